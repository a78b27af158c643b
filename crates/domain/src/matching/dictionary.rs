//! The dictionary of distinct name tokens, and fuzzy lookup in it.
//!
//! There are far fewer distinct names than people, so all the fuzzy work (nicknames,
//! phonetic codes, typing slips) is done once per query against this dictionary; the people
//! index then only sees exact token ids.

use super::nicknames::Nicknames;
use super::similarity::{jaro_winkler, within_edits, BoundQuery, Signature};
use super::table::IntBuild;
use rphonetic::DoubleMetaphone;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::HashMap;

/// How a dictionary token relates to a searched name, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Relation {
    /// Spelled similarly (one typing slip, or a close Jaro–Winkler similarity).
    Spelled,
    /// Same Double Metaphone code.
    Sounds,
    /// A short form or variant in the nickname table.
    Nickname,
    /// The same name.
    Exact,
}

/// One expansion of a searched name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expansion {
    pub(crate) token: u32,
    pub(crate) relation: Relation,
    pub(crate) similarity: f32,
}

/// A u64 → token ids multimap that stores the common single-id case inline (most deletion
/// neighbours and phonetic codes belong to one token), so the dictionary of a large register
/// stays a few megabytes.
#[derive(Default)]
struct MultiMap {
    map: HashMap<u64, u32, IntBuild>,
    lists: Vec<Vec<u32>>,
}

/// Marks a value of [`MultiMap::map`] as an index into `lists`.
const LIST: u32 = 1 << 31;

impl MultiMap {
    fn push(&mut self, key: u64, id: u32) {
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let v = *o.get();
                if v & LIST != 0 {
                    if let Some(list) = self.lists.get_mut((v & !LIST) as usize) {
                        if !list.contains(&id) {
                            list.push(id);
                        }
                    }
                } else if v != id {
                    let at = u32::try_from(self.lists.len()).unwrap_or(u32::MAX) | LIST;
                    self.lists.push(vec![v, id]);
                    o.insert(at);
                }
            }
        }
    }

    fn get(&self, key: u64) -> &[u32] {
        match self.map.get(&key) {
            None => &[],
            Some(v) if v & LIST != 0 => self
                .lists
                .get((v & !LIST) as usize)
                .map_or(&[], Vec::as_slice),
            Some(v) => std::slice::from_ref(v),
        }
    }
}

/// How close a known token is to the searched word.
fn similarity(dict: &Dictionary, word: &str, e: &Expansion) -> f32 {
    if e.relation == Relation::Exact {
        1.0
    } else {
        jaro_winkler(word, dict.text(e.token)) as f32
    }
}

/// Distinct normalised name tokens with phonetic and deletion indexes.
pub(crate) struct Dictionary {
    ids: HashMap<Box<str>, u32, IntBuild>,
    /// Every token's text, one after another; token `i` is `texts[starts[i]..starts[i + 1]]`.
    /// One buffer rather than a string each keeps the fuzzy lookup's many comparisons close
    /// together in memory.
    pub(super) texts: String,
    pub(super) starts: Vec<u32>,
    /// How many live records use each token, for value-specific (frequency) weights.
    pub(super) counts: Vec<u32>,
    /// Each token's [`Signature`], to rule out weak spellings without comparing them.
    signatures: Vec<Signature>,
    by_code: MultiMap,
    by_deletion: MultiMap,
    metaphone: DoubleMetaphone,
}

/// Packs a Double Metaphone code (at most 4 ASCII characters) into a u32; 0 means no code.
fn pack_code(code: &str) -> u32 {
    code.bytes()
        .take(4)
        .fold(0u32, |acc, b| acc << 8 | u32::from(b))
}

/// FNV-1a over `bytes` with the byte at `skip` left out (`usize::MAX`: none left out), so the
/// deletion neighbourhood of a word is hashed without building strings.
fn hash_without(bytes: &[u8], skip: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, b) in bytes.iter().enumerate() {
        if i != skip {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h ^ (bytes.len() as u64).wrapping_sub(u64::from(skip != usize::MAX))
}

fn deletion_hashes(word: &str) -> impl Iterator<Item = u64> + '_ {
    let bytes = word.as_bytes();
    std::iter::once(usize::MAX)
        .chain(0..bytes.len())
        .map(move |skip| hash_without(bytes, skip))
}

impl Dictionary {
    pub(crate) fn new() -> Self {
        Self {
            ids: HashMap::default(),
            texts: String::new(),
            starts: vec![0],
            counts: Vec::new(),
            signatures: Vec::new(),
            by_code: MultiMap::default(),
            by_deletion: MultiMap::default(),
            metaphone: DoubleMetaphone::default(),
        }
    }

    fn codes(&self, word: &str) -> [u32; 2] {
        let result = self.metaphone.double_metaphone(word);
        [pack_code(&result.primary()), pack_code(&result.alternate())]
    }

    /// The id of `word`, adding it if new.
    pub(crate) fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        let id = u32::try_from(self.counts.len()).unwrap_or(u32::MAX);
        let [primary, alternate] = self.codes(word);
        for code in [primary, alternate] {
            if code != 0 {
                self.by_code.push(u64::from(code), id);
            }
        }
        for h in deletion_hashes(word) {
            self.by_deletion.push(h, id);
        }
        self.ids.insert(word.into(), id);
        self.texts.push_str(word);
        self.starts
            .push(u32::try_from(self.texts.len()).unwrap_or(u32::MAX));
        self.counts.push(0);
        self.signatures.push(Signature::of(word));
        id
    }

    /// The id of `word` if known.
    pub(crate) fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// The text of a token.
    pub(crate) fn text(&self, id: u32) -> &str {
        let i = id as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.texts.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// How many live records use a token.
    pub(crate) fn count(&self, id: u32) -> u32 {
        self.counts.get(id as usize).copied().unwrap_or(0)
    }

    /// Records that one more (`up`) or one fewer record uses a token.
    pub(crate) fn adjust_count(&mut self, id: u32, up: bool) {
        if let Some(count) = self.counts.get_mut(id as usize) {
            *count = if up {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
        }
    }

    /// The known tokens a searched (normalised) word could stand for, strongest first, at most
    /// `cap` of them. Tokens no live record uses any more are left out.
    pub(crate) fn expand(&self, word: &str, cap: usize) -> Vec<Expansion> {
        // Gather (token, relation) first, similarity later: a common phonetic code is shared by
        // hundreds of spellings, and each should be compared with the word only once.
        let mut found: Vec<Expansion> = Vec::new();
        let mut offer = |token: u32, relation: Relation| {
            if self.count(token) > 0 {
                found.push(Expansion {
                    token,
                    relation,
                    similarity: 0.0,
                });
            }
        };
        if let Some(id) = self.id(word) {
            offer(id, Relation::Exact);
        }
        let nicknames = Nicknames::get();
        for variant in nicknames.variants(word) {
            if let Some(id) = self.id(variant) {
                offer(id, Relation::Nickname);
            }
        }
        let [primary, alternate] = self.codes(word);
        let alternate = if alternate == primary { 0 } else { alternate };
        for code in [primary, alternate] {
            if code == 0 {
                continue;
            }
            for id in self.by_code.get(u64::from(code)) {
                offer(*id, Relation::Sounds);
            }
        }
        // Symmetric deletion: words one deletion apart on either side are at most one
        // substitution, insertion, deletion or adjacent transposition apart — confirm with
        // Damerau–Levenshtein because hashes can collide.
        let max_edits = if word.len() >= 7 { 2 } else { 1 };
        for h in deletion_hashes(word) {
            for id in self.by_deletion.get(h) {
                if within_edits(word, self.text(*id), max_edits) {
                    offer(*id, Relation::Spelled);
                }
            }
        }
        // One entry per token, with its strongest relation.
        found.sort_unstable_by(|a, b| a.token.cmp(&b.token).then(b.relation.cmp(&a.relation)));
        found.dedup_by_key(|e| e.token);
        let stronger = found
            .iter()
            .filter(|e| e.relation > Relation::Sounds)
            .count();
        let sounds = found
            .iter()
            .filter(|e| e.relation == Relation::Sounds)
            .count();
        if stronger + sounds > cap {
            // A big phonetic family (hundreds of spellings of Muhammad): only its closest
            // `cap - stronger` spellings can be kept, and spelling slips rank below them all.
            // Compare the spellings in order of an upper bound on their similarity and stop
            // once no bound can reach the closest kept so far.
            found.retain(|e| e.relation >= Relation::Sounds);
            let keep = cap.saturating_sub(stronger);
            let bound = BoundQuery::new(word);
            let mut order: Vec<(f64, usize)> = found
                .iter()
                .enumerate()
                .filter(|(_, e)| e.relation == Relation::Sounds)
                .map(|(i, e)| {
                    let sig = self
                        .signatures
                        .get(e.token as usize)
                        .copied()
                        .unwrap_or_default();
                    (bound.upper_bound(sig), i)
                })
                .collect();
            order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
            // The `keep` best similarities so far (non-negative f32 bit patterns order like
            // the values).
            let mut best: BinaryHeap<Reverse<u32>> = BinaryHeap::with_capacity(keep + 1);
            let mut dropped = vec![false; found.len()];
            for &(ub, i) in &order {
                if keep == 0
                    || (best.len() == keep
                        && best
                            .peek()
                            .is_some_and(|b| (ub as f32) < f32::from_bits(b.0)))
                {
                    dropped[i] = true;
                    continue;
                }
                let sim = jaro_winkler(word, self.text(found[i].token)) as f32;
                found[i].similarity = sim;
                best.push(Reverse(sim.to_bits()));
                if best.len() > keep {
                    best.pop();
                }
            }
            let mut i = 0;
            found.retain(|_| {
                i += 1;
                !dropped[i - 1]
            });
            for e in &mut found {
                if e.relation > Relation::Sounds {
                    e.similarity = similarity(self, word, e);
                }
            }
        } else {
            for e in &mut found {
                e.similarity = similarity(self, word, e);
            }
        }
        let order = |a: &Expansion, b: &Expansion| {
            b.relation
                .cmp(&a.relation)
                .then(b.similarity.total_cmp(&a.similarity))
                .then(a.token.cmp(&b.token))
        };
        if found.len() > cap && cap > 0 {
            found.select_nth_unstable_by(cap - 1, order);
        }
        found.truncate(cap);
        found.sort_unstable_by(order);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionary(words: &[&str]) -> Dictionary {
        let mut d = Dictionary::new();
        for w in words {
            let id = d.intern(w);
            d.adjust_count(id, true);
        }
        d
    }

    fn relation(d: &Dictionary, searched: &str, known: &str) -> Option<Relation> {
        let id = d.id(known)?;
        d.expand(searched, 100)
            .into_iter()
            .find(|e| e.token == id)
            .map(|e| e.relation)
    }

    #[test]
    fn searched_names_find_their_relatives() {
        let d = dictionary(&["smith", "william", "catherine", "stephens", "jones"]);
        assert_eq!(relation(&d, "smith", "smith"), Some(Relation::Exact));
        assert_eq!(relation(&d, "smyth", "smith"), Some(Relation::Sounds));
        // Typing slips are found, sometimes also as sounding the same (the stronger relation).
        for slip in ["smiht", "smth", "smitj", "smitth", "snith", "amith"] {
            assert!(
                relation(&d, slip, "smith") >= Some(Relation::Spelled),
                "{slip}"
            );
        }
        assert_eq!(relation(&d, "wilkiam", "william"), Some(Relation::Spelled));
        assert_eq!(relation(&d, "bill", "william"), Some(Relation::Nickname));
        assert_eq!(relation(&d, "kate", "catherine"), Some(Relation::Nickname));
        assert_eq!(relation(&d, "stevens", "stephens"), Some(Relation::Sounds));
        assert_eq!(relation(&d, "jones", "smith"), None);
    }
}
