//! Fellegi–Sunter scoring of one candidate against a prepared query.
//!
//! Each field adds log₂(m/u) when it agrees (m: how often the same child's records agree,
//! u: how often two different children's do) and log₂((1−m)/(1−u)) when it disagrees; a
//! missing field adds nothing. Exact name agreement uses the name's own frequency as u, so
//! agreeing on "Zebedee" counts for more than agreeing on "Smith". The m and u values below are
//! judgement calls informed by published record-linkage work on UK health and education data;
//! they are constants so they can be tuned against the benchmark.

use super::dictionary::{Dictionary, Expansion, Relation};
use super::keys::{self, DobLevel};
use super::normalise::name_tokens;
use super::similarity::jaro_winkler;
use super::table::IntBuild;
use super::MatchReason;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Separates other known names in a record's token list.
pub(crate) const SEPARATOR: u32 = u32::MAX;

/// Weight of an exact name agreement is log₂(m/u) with u the name's frequency, kept within
/// these bounds so one very rare or very common name cannot dominate the other fields. The
/// floor is above every inexact agreement (a nickname, a sound-alike, a close spelling at its
/// best): on a small register a name's own frequency can be high enough that, unbounded, "Mrh"
/// sounding like "Mary" outranked the exact "Mary-Jane".
const EXACT_NAME_MIN: f64 = SPELLED_SIMILARLY + SIMILARITY_CLAMP + 0.1;
/// What a very common name weighs by its frequency alone, before that floor: the yardstick of
/// "two common names" in the thresholds below.
const COMMON_NAME: f64 = 2.0;
const EXACT_NAME_MAX: f64 = 13.0;
const EXACT_NAME_M: f64 = 0.92;
/// Agreeing on one part of a double-barrelled surname is a little weaker than on the whole.
const PART_PENALTY: f64 = 1.0;
/// A nickname-table hit is a deliberate equivalence, a little stronger than a spelling slip.
const NICKNAME: f64 = 4.5;
const SOUNDS_SAME: f64 = 4.0;
const SPELLED_SIMILARLY: f64 = 4.0;
/// A Jaro–Winkler match that no single slip explains (two slips or more).
const SPELLED_LOOSELY: f64 = 1.5;
const LOOSE_JARO_WINKLER: f64 = 0.88;
/// Among inexact agreements, closer spellings count a little more: (Jaro–Winkler − centre) ×
/// slope, clamped, so "Ivvy" prefers "Ivy" to "Evie" though all three sound alike.
const SIMILARITY_CENTRE: f64 = 0.9;
const SIMILARITY_SLOPE: f64 = 3.0;
const SIMILARITY_CLAMP: f64 = 0.6;
const NAME_DIFFERENT: f64 = -5.0;
/// Matching through an other known name rather than the main name.
const OTHER_NAME_PENALTY: f64 = 1.0;
/// Names given the other way round: common, but less likely than the right way round.
const SWAP_PENALTY: f64 = 1.5;

/// m of a date-of-birth agreement (the same child's records agree this often), and the bounds
/// of its weight.
const DOB_SAME_M: f64 = 0.95;
const DOB_SAME_MIN: f64 = 4.0;
const DOB_SAME_MAX: f64 = 13.0;
/// Days over which the register's births are spread, about 18 years of children.
const BIRTH_DAYS: f64 = 18.0 * 365.25;
/// The register size at and below which a candidate's score is its weight.
const REFERENCE_REGISTER: f64 = 2_000.0;
/// The same date of birth on an ordinary date (1 in [`BIRTH_DAYS`]), for the thresholds below.
const DOB_SAME: f64 = 12.0;
const DOB_SWAPPED: f64 = 7.0;
const DOB_ONE_DIGIT: f64 = 4.0;
const DOB_SAME_YEAR: f64 = -1.5;
const DOB_DIFFERENT: f64 = -6.0;

const POSTCODE_SAME: f64 = 10.0;
const POSTCODE_SECTOR: f64 = 3.0;
const POSTCODE_DISTRICT: f64 = 1.0;
/// Families move, so a different postcode is only mild evidence against.
const POSTCODE_DIFFERENT: f64 = -3.0;

/// The first line of the address: m (the same child's records agree this often: families
/// move), the bounds of its frequency weight, what it adds when the postcode agrees too (it
/// then only tells the 8 or so homes at a postcode apart), and a different first line (mild:
/// families move).
const LINE1_M: f64 = 0.8;
const LINE1_BOUNDS: (f64, f64) = (3.0, 11.0);
const LINE1_AT_SAME_POSTCODE: f64 = 2.5;
const LINE1_DIFFERENT: f64 = -1.5;
/// The town, scored only when the postcodes cannot be compared: a town holds many people.
const TOWN_M: f64 = 0.9;
const TOWN_BOUNDS: (f64, f64) = (0.5, 4.0);
const TOWN_DIFFERENT: f64 = -1.0;

const IDENTIFIER_SAME: f64 = 25.0;
const IDENTIFIER_DIFFERENT: f64 = -10.0;

/// One searched name field (given or family), normalised and expanded against the dictionary.
pub(crate) struct RoleQuery {
    /// Normalised words, the run-together form last when there are several parts.
    pub(crate) words: Vec<String>,
    /// Id of the whole name (the last word), if the dictionary knows it.
    whole: Option<u32>,
    /// Expansions, strongest first, merged over the words.
    pub(crate) expansions: Vec<Expansion>,
    /// Token → (relation, index of the searched word that produced it, similarity).
    relations: HashMap<u32, (Relation, u8, f32), IntBuild>,
}

impl RoleQuery {
    /// Normalises and expands a searched name; `None` if nothing is left of it.
    pub(crate) fn new(dict: &Dictionary, name: &str, cap: usize) -> Option<Self> {
        let words = name_tokens(name);
        let last = words.last()?;
        let whole = dict.id(last);
        let mut relations: HashMap<u32, (Relation, u8, f32), IntBuild> = HashMap::default();
        let mut expansions: Vec<Expansion> = Vec::new();
        for (i, word) in words.iter().enumerate() {
            for e in dict.expand(word, cap) {
                let i = u8::try_from(i).unwrap_or(u8::MAX);
                match relations.get_mut(&e.token) {
                    Some(r) if r.0 >= e.relation => {}
                    Some(r) => *r = (e.relation, i, e.similarity),
                    None => {
                        relations.insert(e.token, (e.relation, i, e.similarity));
                        expansions.push(e);
                    }
                }
            }
        }
        for e in &mut expansions {
            if let Some((r, _, _)) = relations.get(&e.token) {
                e.relation = *r;
            }
        }
        expansions.sort_by(|a, b| {
            b.relation
                .cmp(&a.relation)
                .then(b.similarity.total_cmp(&a.similarity))
        });
        Some(Self {
            words,
            whole,
            expansions,
            relations,
        })
    }
}

/// The parts of a stored record that scoring needs.
pub(crate) struct RecordView<'a> {
    pub(crate) given: &'a [u32],
    pub(crate) family: &'a [u32],
    pub(crate) other: &'a [u32],
    pub(crate) dob: Option<NaiveDate>,
    pub(crate) postcode: u64,
    pub(crate) address: u64,
    pub(crate) town: u64,
    pub(crate) nhs: u64,
    pub(crate) upn: u64,
}

/// A prepared search.
pub(crate) struct PreparedQuery {
    pub(crate) given: Option<RoleQuery>,
    pub(crate) family: Option<RoleQuery>,
    pub(crate) dob: Option<NaiveDate>,
    pub(crate) postcode: u64,
    pub(crate) address: u64,
    pub(crate) town: u64,
    pub(crate) nhs: u64,
    pub(crate) upn: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Given,
    Family,
}

/// The best agreement between a searched name and a list of record tokens.
struct NameAgreement {
    weight: f64,
    relation: Relation,
    /// Matched one part of a multi-part name rather than the whole.
    part: bool,
    token: u32,
    word: u8,
}

/// Per-search cache of loose (Jaro–Winkler) comparisons for tokens no expansion reached.
pub(crate) type LooseCache = HashMap<(u32, bool), f64, IntBuild>;

pub(crate) struct Scorer<'a> {
    pub(crate) dict: &'a Dictionary,
    /// Live records, for name frequencies.
    pub(crate) population: f64,
    /// Live records per date of birth (day number).
    pub(crate) dob_counts: &'a HashMap<u32, u32, IntBuild>,
    /// Live records per first line of address and per town.
    pub(crate) place_counts: &'a HashMap<u64, u32, IntBuild>,
}

impl Scorer<'_> {
    /// Weight of the same date of birth: log₂(m/u) with u the date's share of this register,
    /// smoothed towards an even spread of births over [`BIRTH_DAYS`] (one person's birthday
    /// in a small register says little about how common the date is), so that a placeholder
    /// date many records share counts for little and an ordinary one about 12.
    fn same_dob_weight(&self, day: u32) -> f64 {
        let count = f64::from(self.dob_counts.get(&day).copied().unwrap_or(0));
        let u = (count + 1.0) / (self.population + BIRTH_DAYS);
        (DOB_SAME_M / u).log2().clamp(DOB_SAME_MIN, DOB_SAME_MAX)
    }

    /// log₂(m/u) for agreeing on `key`, a first line of address or a town, u its share of
    /// the register (at least one person: the record itself), within `bounds`.
    fn place_weight(&self, key: u64, m: f64, bounds: (f64, f64)) -> f64 {
        let count = f64::from(self.place_counts.get(&key).copied().unwrap_or(0).max(1));
        (m * self.population / count)
            .log2()
            .clamp(bounds.0, bounds.1)
    }

    /// The address's weight (first line and town) and reasons. The postcode already says
    /// most of what a shared home says, so with the same postcode the first line adds only
    /// which home at that postcode, and the town nothing.
    fn address(
        &self,
        q: &PreparedQuery,
        r: &RecordView<'_>,
        reasons: Option<&mut Vec<MatchReason>>,
    ) -> f64 {
        let same_postcode = q.postcode != 0 && q.postcode == r.postcode;
        let both_postcodes = q.postcode != 0 && r.postcode != 0;
        let mut total = 0.0;
        let mut why = Vec::new();
        if q.address != 0 && r.address != 0 {
            if q.address == r.address {
                total += if same_postcode {
                    LINE1_AT_SAME_POSTCODE
                } else {
                    self.place_weight(r.address, LINE1_M, LINE1_BOUNDS)
                };
                why.push(MatchReason::SameFirstLineOfAddress);
            } else {
                total += LINE1_DIFFERENT;
            }
        }
        if q.town != 0 && r.town != 0 && !both_postcodes {
            if q.town == r.town {
                total += self.place_weight(r.town, TOWN_M, TOWN_BOUNDS);
                why.push(MatchReason::SameTown);
            } else {
                total += TOWN_DIFFERENT;
            }
        }
        if let Some(reasons) = reasons {
            reasons.append(&mut why);
        }
        total
    }

    /// How much a candidate's [`super::Candidate::score`] is below its weight: the more people
    /// on the register, the more of them agree with a search by chance, so the same evidence
    /// is less convincing. log₂ of how many times larger the register is than
    /// [`REFERENCE_REGISTER`] (none for a smaller one): each doubling of the register asks
    /// for one more bit of evidence for the same score.
    pub(crate) fn size_allowance(&self) -> f64 {
        (self.population / REFERENCE_REGISTER).log2().max(0.0)
    }

    fn exact_weight(&self, token: u32) -> f64 {
        let count = f64::from(self.dict.count(token).max(1));
        (EXACT_NAME_M * self.population / count)
            .log2()
            .clamp(EXACT_NAME_MIN, EXACT_NAME_MAX)
    }

    fn agreement(
        &self,
        q: &RoleQuery,
        tokens: &[u32],
        cache: &mut LooseCache,
        is_given: bool,
    ) -> Option<NameAgreement> {
        let record_whole = tokens.iter().rev().find(|t| **t != SEPARATOR).copied();
        let first = tokens.first().copied();
        let record_parts = tokens.iter().filter(|t| **t != SEPARATOR).count();
        let multi_part = q.words.len() > 1 || record_parts > 1;
        let mut best: Option<NameAgreement> = None;
        for &t in tokens {
            if t == SEPARATOR {
                continue;
            }
            let Some(&(relation, word, similarity)) = q.relations.get(&t) else {
                continue;
            };
            let whole = q.whole.is_some() && q.whole == record_whole;
            // A family name matched on one part of a double-barrelled name, or a given name
            // matched on a middle name, is weaker; a given name matching the first of several
            // given names is normal (middle names are usually left out).
            let part = if is_given {
                record_parts > 1 && Some(t) != first && !(whole && relation == Relation::Exact)
            } else {
                multi_part && !(whole && relation == Relation::Exact)
            };
            let closeness = ((f64::from(similarity) - SIMILARITY_CENTRE) * SIMILARITY_SLOPE)
                .clamp(-SIMILARITY_CLAMP, SIMILARITY_CLAMP);
            let weight = match relation {
                Relation::Exact => self.exact_weight(t),
                Relation::Nickname if is_given => NICKNAME,
                // A nickname-table hit on a surname is a coincidence of spelling, not evidence.
                Relation::Nickname => SPELLED_LOOSELY,
                Relation::Sounds => SOUNDS_SAME + closeness,
                Relation::Spelled => SPELLED_SIMILARLY + closeness,
            } - if part { PART_PENALTY } else { 0.0 };
            if best.as_ref().is_none_or(|b| weight > b.weight) {
                best = Some(NameAgreement {
                    weight,
                    relation,
                    part: part && relation == Relation::Exact,
                    token: t,
                    word,
                });
            }
        }
        if best.is_some() {
            return best;
        }
        // Nothing the dictionary expansion reached: allow a loose spelling match (two slips).
        for &t in tokens {
            if t == SEPARATOR {
                continue;
            }
            let sim = *cache.entry((t, is_given)).or_insert_with(|| {
                let text = self.dict.text(t);
                q.words
                    .iter()
                    .map(|w| jaro_winkler(w, text))
                    .fold(0.0, f64::max)
            });
            if sim >= LOOSE_JARO_WINKLER {
                return Some(NameAgreement {
                    weight: SPELLED_LOOSELY,
                    relation: Relation::Spelled,
                    part: false,
                    token: t,
                    word: 0,
                });
            }
        }
        None
    }

    /// The weight and reasons for one searched name against the record's main tokens for a
    /// role and its other known names.
    fn name_field(
        &self,
        q: &RoleQuery,
        role: Role,
        main: &[u32],
        other: &[u32],
        cache: &mut LooseCache,
        reasons: Option<&mut Vec<MatchReason>>,
    ) -> f64 {
        let is_given = role == Role::Given;
        let main_match = self.agreement(q, main, cache, is_given);
        let other_match = self
            .agreement(q, other, cache, is_given)
            .map(|mut a| {
                a.weight -= OTHER_NAME_PENALTY;
                a
            })
            .filter(|o| main_match.as_ref().is_none_or(|m| o.weight > m.weight));
        if let Some(o) = other_match {
            if let Some(reasons) = reasons {
                reasons.push(MatchReason::OtherKnownName {
                    name: self.dict.text(o.token).to_owned(),
                });
            }
            return o.weight;
        }
        let Some(m) = main_match else {
            return if main.is_empty() { 0.0 } else { NAME_DIFFERENT };
        };
        let Some(reasons) = reasons else {
            return m.weight;
        };
        let reason = match (role, m.relation, m.part) {
            (Role::Family, Relation::Exact, false) => Some(MatchReason::ExactFamilyName),
            (Role::Family, Relation::Exact, true) => Some(MatchReason::HyphenatedFamilyNamePart),
            (Role::Family, Relation::Sounds, _) => Some(MatchReason::FamilyNameSoundsSame),
            (Role::Family, Relation::Spelled, _) => Some(MatchReason::FamilyNameSpelledSimilarly),
            (Role::Family, Relation::Nickname, _) => None,
            (Role::Given, Relation::Exact, _) => Some(MatchReason::ExactGivenName),
            (Role::Given, Relation::Nickname, _) => Some(MatchReason::GivenNameNickname {
                searched: q
                    .words
                    .get(usize::from(m.word))
                    .cloned()
                    .unwrap_or_default(),
                recorded: self.dict.text(m.token).to_owned(),
            }),
            (Role::Given, Relation::Sounds, _) => Some(MatchReason::GivenNameSoundsSame),
            (Role::Given, Relation::Spelled, _) => Some(MatchReason::GivenNameSpelledSimilarly),
        };
        reasons.extend(reason);
        m.weight
    }

    /// The names' weight; their reasons go to `reasons` when it is given.
    fn names(
        &self,
        q: &PreparedQuery,
        r: &RecordView<'_>,
        caches: &mut [LooseCache; 2],
        mut reasons: Option<&mut Vec<MatchReason>>,
    ) -> f64 {
        let [given_cache, family_cache] = caches;
        let want = reasons.is_some();
        let mut straight_reasons = Vec::new();
        let mut straight = 0.0;
        if let Some(f) = &q.family {
            straight += self.name_field(
                f,
                Role::Family,
                r.family,
                r.other,
                family_cache,
                want.then_some(&mut straight_reasons),
            );
        }
        if let Some(g) = &q.given {
            straight += self.name_field(
                g,
                Role::Given,
                r.given,
                r.other,
                given_cache,
                want.then_some(&mut straight_reasons),
            );
        }
        if let (Some(g), Some(f)) = (&q.given, &q.family) {
            // The straight reading must be clearly worse before swapped names are suggested.
            if straight < 2.0 * COMMON_NAME {
                let mut swapped_reasons = Vec::new();
                if want {
                    swapped_reasons.push(MatchReason::NamesSwapped);
                }
                let swapped = self.name_field(
                    g,
                    Role::Family,
                    r.family,
                    &[],
                    given_cache,
                    want.then_some(&mut swapped_reasons),
                ) + self.name_field(
                    f,
                    Role::Given,
                    r.given,
                    &[],
                    family_cache,
                    want.then_some(&mut swapped_reasons),
                ) - SWAP_PENALTY;
                if swapped > straight {
                    if let Some(reasons) = reasons.as_deref_mut() {
                        reasons.append(&mut swapped_reasons);
                    }
                    return swapped;
                }
            }
        }
        if let Some(reasons) = reasons {
            reasons.append(&mut straight_reasons);
        }
        straight
    }

    /// Scores one record: (total weight, same identifier). Its reasons go to `reasons` when
    /// it is given; leaving them out makes scoring allocation-free, for the many candidates
    /// that will not be shown.
    pub(crate) fn score(
        &self,
        q: &PreparedQuery,
        r: &RecordView<'_>,
        caches: &mut [LooseCache; 2],
        mut reasons: Option<&mut Vec<MatchReason>>,
    ) -> (f64, bool) {
        let mut total = 0.0;
        let mut same_identifier = false;
        for (searched, recorded, reason) in [
            (q.nhs, r.nhs, MatchReason::SameNhsNumber),
            (q.upn, r.upn, MatchReason::SameUpn),
        ] {
            if searched != 0 && recorded != 0 {
                if searched == recorded {
                    total += IDENTIFIER_SAME;
                    same_identifier = true;
                    if let Some(reasons) = reasons.as_deref_mut() {
                        reasons.push(reason);
                    }
                } else {
                    total += IDENTIFIER_DIFFERENT;
                }
            }
        }
        total += self.names(q, r, caches, reasons.as_deref_mut());
        if let (Some(searched), Some(recorded)) = (q.dob, r.dob) {
            let (w, reason) = match keys::compare_dob(searched, recorded) {
                DobLevel::Same => (
                    self.same_dob_weight(keys::pack_date(Some(recorded))),
                    Some(MatchReason::SameDateOfBirth),
                ),
                DobLevel::Swapped => (DOB_SWAPPED, Some(MatchReason::DayAndMonthSwapped)),
                DobLevel::OneDigit => (
                    DOB_ONE_DIGIT,
                    Some(MatchReason::DateOfBirthOneDigitDifferent),
                ),
                DobLevel::SameYear => (DOB_SAME_YEAR, Some(MatchReason::SameYearOfBirth)),
                DobLevel::Different => (DOB_DIFFERENT, None),
            };
            total += w;
            if let Some(reasons) = reasons.as_deref_mut() {
                reasons.extend(reason);
            }
        }
        if q.postcode != 0 && r.postcode != 0 {
            let (w, reason) = if q.postcode == r.postcode {
                (POSTCODE_SAME, Some(MatchReason::SamePostcode))
            } else if keys::postcode_sector(q.postcode) == keys::postcode_sector(r.postcode) {
                (POSTCODE_SECTOR, Some(MatchReason::SamePostcodeSector))
            } else if keys::postcode_district(q.postcode) == keys::postcode_district(r.postcode) {
                (POSTCODE_DISTRICT, Some(MatchReason::SamePostcodeDistrict))
            } else {
                (POSTCODE_DIFFERENT, None)
            };
            total += w;
            if let Some(reasons) = reasons.as_deref_mut() {
                reasons.extend(reason);
            }
        }
        total += self.address(q, r, reasons);
        (total, same_identifier)
    }
}

/// A score above which a candidate already explains the search well (for example name and
/// date of birth both agree), so the wider, slower blocking pass is not needed.
pub(crate) const CONVINCING: f64 = 2.0 * COMMON_NAME + DOB_SAME + 4.0;

/// The least weight for two records to be called likely the same person: as much as two
/// common names and the same date of birth, all exact.
pub(crate) const LIKELY_SAME_PERSON: f64 = 2.0 * COMMON_NAME + DOB_SAME;
