//! The in-memory matching index: compact records, blocking keys, search.

use super::dictionary::Dictionary;
use super::ids::IdTable;
use super::keys;
use super::normalise::{address_key, name_tokens};
use super::score::{
    LooseCache, PreparedQuery, RecordView, RoleQuery, Scorer, CONVINCING, SEPARATOR,
};
use super::table::{IntBuild, PostingTable};
use super::{Candidate, MatchQuery, PersonRecord};
use std::collections::HashMap;

/// How many dictionary expansions of a searched name are tried with the typed date of birth,
/// with the dates one slip away, and in name pairs. Beyond these the expansions are weak
/// (distant spellings) and only add work.
const EXPANSIONS_EXACT_DOB: usize = 40;
const EXPANSIONS_DOB_SLIP: usize = 6;
const EXPANSIONS_PAIR: usize = 8;
/// Blocks larger than this are not read: they say too little (a very common name pair, a
/// postcode shared by a whole estate) and a more specific key covers the same child.
const MAX_BLOCK: usize = 4_000;
/// The duplicate check reads no (name, date of birth) block larger than this. Real registers
/// have placeholder dates (1 January) and names shared by tens of thousands; a block of
/// hundreds of people with one name and birthday is a data-quality problem to report
/// otherwise, not hundreds of likely duplicates of each, and reading it for every one of them
/// is what made the check quadratic.
const DUPLICATE_BLOCK: usize = 100;
/// Most tokens one name (given, family or other) contributes.
const MAX_NAME_TOKENS: usize = 5;
/// Most other known names indexed per person: room for the 20 a record may hold and the
/// names of records merged into it. (At 5 tokens each plus separators they stay within the
/// 255 tokens an entry can count.)
const MAX_OTHER_NAMES: usize = 32;

/// Which blocks a search reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blocks {
    /// Every kind: identifiers, postcode, (name, date of birth), then name pairs if needed.
    All,
    /// Only (name, date of birth), for the date given and the dates one slip away.
    NameAndDateOfBirth,
}

/// A scored candidate, before its reasons are worked out.
struct Scored {
    score: f64,
    same_identifier: bool,
    id: i64,
    slot: u32,
}

/// One person, compactly: 64 bytes plus their name tokens in the shared arena.
#[derive(Clone, Copy, Default)]
pub(super) struct Entry {
    pub(super) id: i64,
    pub(super) nhs: u64,
    pub(super) upn: u64,
    pub(super) postcode: u64,
    /// First line of the address and town as [`address_key`]s, 0 when unknown.
    pub(super) address: u64,
    pub(super) town: u64,
    /// Day number of the date of birth, 0 when unknown.
    pub(super) dob: u32,
    /// Start of this person's tokens in `MatchIndex::arena`: given, then family, then other
    /// names separated by [`SEPARATOR`].
    pub(super) names_at: u32,
    pub(super) given_len: u8,
    pub(super) family_len: u8,
    pub(super) other_len: u8,
    pub(super) live: bool,
}

/// An in-memory index of people for fuzzy, explained search.
///
/// Build it once from the database with [`MatchIndex::build`], keep it current with
/// [`MatchIndex::upsert`] and [`MatchIndex::remove`] from the change feed, and query it with
/// [`MatchIndex::search`]. Holds up to about 4 billion postings and 268 million distinct name
/// tokens.
pub struct MatchIndex {
    pub(super) entries: Vec<Entry>,
    pub(super) free: Vec<u32>,
    pub(super) slot_of: IdTable,
    pub(super) arena: Vec<u32>,
    pub(super) arena_garbage: usize,
    pub(super) dict: Dictionary,
    pub(super) table: PostingTable,
    pub(super) live: usize,
    /// Live people per date of birth (day number), for date-of-birth agreement weighted by
    /// how common the date is on this register (a placeholder 1 January counts for little).
    pub(super) dob_counts: HashMap<u32, u32, IntBuild>,
    /// Live people per first line of address and per town, for their agreement weighted by
    /// how common they are ("1 High Street", a big town).
    pub(super) place_counts: HashMap<u64, u32, IntBuild>,
}

impl Default for MatchIndex {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MatchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchIndex")
            .field("len", &self.live)
            .finish()
    }
}

/// Builds a [`MatchIndex`] from many records much faster than upserting them one by one: the
/// records are placed as they come, and [`IndexBuilder::finish`] lays out every posting in one
/// pass. If an id is added more than once, the last record wins.
pub struct IndexBuilder {
    index: MatchIndex,
    /// Records whose id was already added, applied as upserts at the end.
    later: Vec<PersonRecord>,
}

impl IndexBuilder {
    /// Adds one person.
    pub fn add(&mut self, record: PersonRecord) {
        if self.index.contains(record.id) {
            self.later.push(record);
            return;
        }
        self.index.place(&record);
    }

    /// The finished index.
    pub fn finish(self) -> MatchIndex {
        let mut index = self.index;
        index.table = index.build_table();
        for record in self.later {
            index.upsert(record);
        }
        index.entries.shrink_to_fit();
        index.arena.shrink_to_fit();
        index
    }
}

/// One more (`up`) or one fewer live person born on `day` (0: no date, not counted).
pub(super) fn count_dob(counts: &mut HashMap<u32, u32, IntBuild>, day: u32, up: bool) {
    if day == 0 {
        return;
    }
    if up {
        *counts.entry(day).or_default() += 1;
    } else if let Some(n) = counts.get_mut(&day) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(&day);
        }
    }
}

/// One more (`up`) or one fewer live person at an entry's first line of address and town.
/// Both share one map: a line and a town hash apart, and a rare collision only blurs a weight.
pub(super) fn count_places(counts: &mut HashMap<u64, u32, IntBuild>, entry: &Entry, up: bool) {
    for key in [entry.address, entry.town] {
        if key == 0 {
            continue;
        }
        if up {
            *counts.entry(key).or_default() += 1;
        } else if let Some(n) = counts.get_mut(&key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&key);
            }
        }
    }
}

/// A record's tokens grouped by role, before they are placed in the arena.
struct Tokens {
    given: Vec<u32>,
    family: Vec<u32>,
    /// Other names, each a group.
    other: Vec<Vec<u32>>,
}

fn intern_name(dict: &mut Dictionary, name: &str) -> Vec<u32> {
    let mut out: Vec<u32> = name_tokens(name).iter().map(|t| dict.intern(t)).collect();
    out.truncate(MAX_NAME_TOKENS);
    out
}

impl MatchIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            free: Vec::new(),
            slot_of: IdTable::new(),
            arena: Vec::new(),
            arena_garbage: 0,
            dict: Dictionary::new(),
            table: PostingTable::new(),
            live: 0,
            dob_counts: HashMap::default(),
            place_counts: HashMap::default(),
        }
    }

    /// Builds an index from many records at once; see [`IndexBuilder`].
    pub fn build(records: impl IntoIterator<Item = PersonRecord>) -> Self {
        let mut builder = Self::builder();
        for record in records {
            builder.add(record);
        }
        builder.finish()
    }

    /// A builder that takes records one at a time, so a caller streaming a million rows from
    /// the database never holds them all.
    pub fn builder() -> IndexBuilder {
        IndexBuilder {
            index: Self::new(),
            later: Vec::new(),
        }
    }

    /// The number of people in the index.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether the index holds nobody.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The number of live postings, for tests that check nothing stale is left behind.
    #[cfg(test)]
    pub(crate) fn table_postings(&self) -> usize {
        self.table.live_postings()
    }

    fn slot_of_id(&self, id: i64) -> Option<u32> {
        let entries = &self.entries;
        self.slot_of
            .get(id, |s| entries.get(s as usize).map_or(i64::MIN, |e| e.id))
    }

    /// Whether a person id is in the index.
    pub fn contains(&self, id: i64) -> bool {
        self.slot_of_id(id).is_some()
    }

    /// Adds a person, or replaces every trace of the previous version of the same id.
    pub fn upsert(&mut self, record: PersonRecord) {
        if let Some(slot) = self.slot_of_id(record.id) {
            self.unindex(slot);
        }
        let slot = self.place(&record);
        let mut keys = Vec::new();
        self.keys_of(slot, &mut keys);
        for key in keys {
            self.table.insert(key, slot);
        }
        self.maybe_rebuild();
    }

    /// Removes a person; returns whether they were there.
    pub fn remove(&mut self, id: i64) -> bool {
        let entries = &self.entries;
        let Some(slot) = self
            .slot_of
            .remove(id, |s| entries.get(s as usize).map_or(i64::MIN, |e| e.id))
        else {
            return false;
        };
        self.unindex(slot);
        if let Some(entry) = self.entries.get_mut(slot as usize) {
            *entry = Entry::default();
        }
        self.free.push(slot);
        self.live -= 1;
        self.maybe_rebuild();
        true
    }

    /// Removes a slot's postings and token counts, leaving the slot assigned to its id.
    fn unindex(&mut self, slot: u32) {
        let mut keys = Vec::new();
        self.keys_of(slot, &mut keys);
        for key in keys {
            self.table.remove(key, slot);
        }
        let mut tokens: Vec<u32> = self.tokens_of(slot).to_vec();
        tokens.retain(|t| *t != SEPARATOR);
        tokens.sort_unstable();
        tokens.dedup();
        for t in tokens {
            self.dict.adjust_count(t, false);
        }
        if let Some(entry) = self.entries.get_mut(slot as usize) {
            if entry.live {
                count_dob(&mut self.dob_counts, entry.dob, false);
                count_places(&mut self.place_counts, entry, false);
            }
            entry.live = false;
        }
    }

    /// Interns a record's tokens and writes its entry (reusing its slot, or a free one), but
    /// does not touch the posting table.
    fn place(&mut self, record: &PersonRecord) -> u32 {
        let given = intern_name(&mut self.dict, &record.given_name);
        let family = intern_name(&mut self.dict, &record.family_name);
        let other: Vec<Vec<u32>> = record
            .other_names
            .iter()
            .take(MAX_OTHER_NAMES)
            .map(|n| intern_name(&mut self.dict, n))
            .filter(|g| !g.is_empty())
            .collect();
        let tokens = Tokens {
            given,
            family,
            other,
        };
        let mut flat: Vec<u32> = Vec::new();
        flat.extend(&tokens.given);
        flat.extend(&tokens.family);
        for (i, group) in tokens.other.iter().enumerate() {
            if i > 0 {
                flat.push(SEPARATOR);
            }
            flat.extend(group);
        }
        let mut distinct: Vec<u32> = flat.iter().copied().filter(|t| *t != SEPARATOR).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for t in distinct {
            self.dict.adjust_count(t, true);
        }

        let existing = self.slot_of_id(record.id);
        let slot = match existing.or_else(|| self.free.pop()) {
            Some(slot) => slot,
            None => {
                self.entries.push(Entry::default());
                u32::try_from(self.entries.len() - 1).unwrap_or(u32::MAX)
            }
        };
        if existing.is_none() {
            // The entry is written below; until then the slot must not be compared by id.
            if let Some(e) = self.entries.get_mut(slot as usize) {
                e.id = record.id;
            }
            let entries = &self.entries;
            self.slot_of.insert(record.id, slot, |s| {
                entries.get(s as usize).map_or(i64::MIN, |e| e.id)
            });
            self.live += 1;
        }
        let old = self.entries.get(slot as usize).copied().unwrap_or_default();
        let old_len =
            usize::from(old.given_len) + usize::from(old.family_len) + usize::from(old.other_len);
        let names_at = if old_len >= flat.len() && old_len > 0 {
            // Overwrite in place; the tail, if any, becomes garbage.
            self.arena_garbage += old_len - flat.len();
            let at = old.names_at as usize;
            self.arena[at..at + flat.len()].copy_from_slice(&flat);
            old.names_at
        } else {
            self.arena_garbage += old_len;
            let at = u32::try_from(self.arena.len()).unwrap_or(u32::MAX);
            self.arena.extend(&flat);
            at
        };
        let other_len = flat.len() - tokens.given.len() - tokens.family.len();
        let dob = keys::pack_date(record.date_of_birth);
        if let Some(old) = self.entries.get(slot as usize).filter(|e| e.live).copied() {
            count_dob(&mut self.dob_counts, old.dob, false);
            count_places(&mut self.place_counts, &old, false);
        }
        count_dob(&mut self.dob_counts, dob, true);
        let entry = Entry {
            id: record.id,
            nhs: record
                .nhs_number
                .as_deref()
                .and_then(keys::pack_nhs)
                .unwrap_or(0),
            upn: record.upn.as_deref().and_then(keys::pack_upn).unwrap_or(0),
            postcode: record
                .postcode
                .as_deref()
                .and_then(keys::pack_postcode)
                .unwrap_or(0),
            address: record.address_line1.as_deref().map_or(0, address_key),
            town: record.town.as_deref().map_or(0, address_key),
            dob,
            names_at,
            given_len: u8::try_from(tokens.given.len()).unwrap_or(u8::MAX),
            family_len: u8::try_from(tokens.family.len()).unwrap_or(u8::MAX),
            other_len: u8::try_from(other_len).unwrap_or(u8::MAX),
            live: true,
        };
        count_places(&mut self.place_counts, &entry, true);
        self.entries[slot as usize] = entry;
        slot
    }

    fn tokens_of(&self, slot: u32) -> &[u32] {
        let Some(e) = self.entries.get(slot as usize) else {
            return &[];
        };
        let len = usize::from(e.given_len) + usize::from(e.family_len) + usize::from(e.other_len);
        let at = e.names_at as usize;
        self.arena.get(at..at + len).unwrap_or(&[])
    }

    fn view(&self, slot: u32) -> Option<RecordView<'_>> {
        let e = self.entries.get(slot as usize).filter(|e| e.live)?;
        let tokens = self.tokens_of(slot);
        let (given, rest) = tokens.split_at(usize::from(e.given_len).min(tokens.len()));
        let (family, other) = rest.split_at(usize::from(e.family_len).min(rest.len()));
        Some(RecordView {
            given,
            family,
            other,
            dob: keys::unpack_date(e.dob),
            postcode: e.postcode,
            address: e.address,
            town: e.town,
            nhs: e.nhs,
            upn: e.upn,
        })
    }

    /// Every blocking key of a slot's current entry, deduplicated. Derived only from the
    /// stored entry, so removing a person recomputes exactly the keys that were added.
    fn keys_of(&self, slot: u32, out: &mut Vec<u64>) {
        let Some(e) = self.entries.get(slot as usize).filter(|e| e.live) else {
            return;
        };
        let tokens = self.tokens_of(slot);
        let given_end = usize::from(e.given_len).min(tokens.len());
        let family_end = (given_end + usize::from(e.family_len)).min(tokens.len());
        let (given, family, other) = (
            &tokens[..given_end],
            &tokens[given_end..family_end],
            &tokens[family_end..],
        );
        if e.dob != 0 {
            for &t in tokens.iter().filter(|t| **t != SEPARATOR) {
                out.push(keys::name_dob(t, e.dob));
            }
        }
        for &g in given {
            for &f in family {
                out.push(keys::pair(g, f));
            }
        }
        for group in other.split(|t| *t == SEPARATOR) {
            if group.len() > 1 {
                // A full other name, e.g. a previous name "Katie Jones".
                for (i, &a) in group.iter().enumerate() {
                    for &b in &group[i + 1..] {
                        out.push(keys::pair(a, b));
                    }
                }
            } else {
                // A single name could stand for either the given or the family name.
                for &a in group {
                    for &b in given.iter().chain(family) {
                        out.push(keys::pair(a, b));
                    }
                }
            }
        }
        if e.postcode != 0 {
            out.push(keys::postcode(e.postcode));
        }
        if e.address != 0 {
            out.push(keys::address(e.address));
        }
        if e.dob != 0 {
            out.push(keys::dob(e.dob));
        }
        if e.nhs != 0 {
            out.push(keys::nhs(e.nhs));
        }
        if e.upn != 0 {
            out.push(keys::upn(e.upn));
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Whether, for up to `sample` people spread over the index, every key their entry gives
    /// lists them in the posting table: a table that does not belong to its entries, or was
    /// laid out by another derivation of keys, fails this at once.
    pub(super) fn postings_agree_with_entries(&self, sample: usize) -> bool {
        let step = (self.entries.len() / sample.max(1)).max(1);
        let mut keys = Vec::new();
        let mut found = Vec::new();
        (0..self.entries.len()).step_by(step).all(|slot| {
            let slot = u32::try_from(slot).unwrap_or(u32::MAX);
            keys.clear();
            self.keys_of(slot, &mut keys);
            keys.iter().all(|key| {
                found.clear();
                self.table.gather(&[(*key, usize::MAX)], &mut found);
                found.contains(&slot)
            })
        })
    }

    fn maybe_rebuild(&mut self) {
        if !self.table.wants_rebuild() && self.arena_garbage < 1_000_000 + self.arena.len() / 2 {
            return;
        }
        // Compact the arena and lay the postings out afresh.
        let mut arena = Vec::with_capacity(self.arena.len() - self.arena_garbage);
        for slot in 0..self.entries.len() {
            let slot32 = u32::try_from(slot).unwrap_or(u32::MAX);
            let tokens = self.tokens_of(slot32).to_vec();
            let e = &mut self.entries[slot];
            if !e.live {
                continue;
            }
            e.names_at = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            arena.extend(tokens);
        }
        self.arena = arena;
        self.arena_garbage = 0;
        self.table = self.build_table();
    }

    /// A posting table laid out afresh from every entry.
    fn build_table(&self) -> PostingTable {
        let slots = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        PostingTable::build(slots, |slot, out| self.keys_of(slot, out))
    }

    fn prepare(&self, query: &MatchQuery) -> PreparedQuery {
        let role = |name: &Option<String>| {
            name.as_deref()
                .and_then(|n| RoleQuery::new(&self.dict, n, EXPANSIONS_EXACT_DOB))
        };
        PreparedQuery {
            given: role(&query.given_name),
            family: role(&query.family_name),
            dob: query.date_of_birth,
            postcode: query
                .postcode
                .as_deref()
                .and_then(keys::pack_postcode)
                .unwrap_or(0),
            address: query.address_line1.as_deref().map_or(0, address_key),
            town: query.town.as_deref().map_or(0, address_key),
            nhs: query
                .nhs_number
                .as_deref()
                .and_then(keys::pack_nhs)
                .unwrap_or(0),
            upn: query.upn.as_deref().and_then(keys::pack_upn).unwrap_or(0),
        }
    }

    /// The narrow pass: identifiers, postcode, and (name, date of birth) for the typed date and
    /// every date one slip away. Pushes (key, largest block worth reading) to `keys`.
    fn narrow_keys(&self, q: &PreparedQuery, out: &mut Vec<(u64, usize)>) {
        if q.nhs != 0 {
            out.push((keys::nhs(q.nhs), usize::MAX));
        }
        if q.upn != 0 {
            out.push((keys::upn(q.upn), usize::MAX));
        }
        if q.postcode != 0 {
            out.push((keys::postcode(q.postcode), MAX_BLOCK));
        }
        if q.address != 0 {
            out.push((keys::address(q.address), MAX_BLOCK));
            // Someone at that address on the right birthday whose names were recorded
            // otherwise, wherever the postcode is; without an address a date alone never
            // outweighs two names that disagree, so its block would be read for nothing.
            if let Some(dob) = q.dob {
                out.push((keys::dob(keys::pack_date(Some(dob))), MAX_BLOCK));
            }
        }
        self.name_dob_keys(q, MAX_BLOCK, out);
    }

    /// (name, date of birth) for the typed date and every date one slip away, each read only
    /// if it holds at most `largest` people.
    fn name_dob_keys(&self, q: &PreparedQuery, largest: usize, out: &mut Vec<(u64, usize)>) {
        let Some(dob) = q.dob else {
            return;
        };
        let roles = [q.given.as_ref(), q.family.as_ref()];
        let exact_day = keys::pack_date(Some(dob));
        for variant in keys::dob_variants(dob) {
            let day = keys::pack_date(Some(variant));
            let cap = if day == exact_day {
                EXPANSIONS_EXACT_DOB
            } else {
                EXPANSIONS_DOB_SLIP
            };
            for role in roles.iter().flatten() {
                for e in role.expansions.iter().take(cap) {
                    out.push((keys::name_dob(e.token, day), largest));
                }
            }
        }
    }

    /// The wide pass: pairs of names, for a date of birth that is missing or wrong.
    fn wide_keys(&self, q: &PreparedQuery, out: &mut Vec<(u64, usize)>) {
        let (Some(g), Some(f)) = (&q.given, &q.family) else {
            return;
        };
        for a in g.expansions.iter().take(EXPANSIONS_PAIR) {
            for b in f.expansions.iter().take(EXPANSIONS_PAIR) {
                out.push((keys::pair(a.token, b.token), MAX_BLOCK));
            }
        }
    }

    fn score_all(
        &self,
        scorer: &Scorer<'_>,
        q: &PreparedQuery,
        slots: &[u32],
        caches: &mut [LooseCache; 2],
        out: &mut Vec<Scored>,
    ) {
        for &slot in slots {
            let (Some(view), Some(entry)) = (self.view(slot), self.entries.get(slot as usize))
            else {
                continue;
            };
            let (score, same_identifier) = scorer.score(q, &view, caches, None);
            out.push(Scored {
                score,
                same_identifier,
                id: entry.id,
                slot,
            });
        }
    }

    /// Finds the people most likely to be the one searched for, best first, at most `limit`.
    ///
    /// A candidate with the same NHS number or UPN always ranks above one without; otherwise
    /// candidates are ordered by [`Candidate::score`]. A search needs something to block on:
    /// an identifier, a postcode, a name with a date of birth, or a given and a family name.
    pub fn search(&self, query: &MatchQuery, limit: usize) -> Vec<Candidate> {
        self.search_blocks(query, limit, Blocks::All)
    }

    /// The people who may be the same person as `record`, best first, at most `limit`: the
    /// candidates for [`Candidate::is_likely_same_person`] (`record` itself among them if it
    /// is indexed). Such a person has the same or nearly the same date of birth, so only the
    /// (name, date of birth) blocks are read, never the postcode or name-pair blocks, which
    /// at a million people can hold thousands each for common names (and a record without a
    /// date of birth has no likely duplicates), and none of those holding more than
    /// [`DUPLICATE_BLOCK`] people. This bounds the duplicate check of an import to a few
    /// small blocks per person whatever the name and date frequencies.
    pub fn likely_duplicates_of(&self, record: &PersonRecord, limit: usize) -> Vec<Candidate> {
        if record.date_of_birth.is_none() {
            return Vec::new();
        }
        self.search_blocks(&MatchQuery::from(record), limit, Blocks::NameAndDateOfBirth)
    }

    fn search_blocks(&self, query: &MatchQuery, limit: usize, blocks: Blocks) -> Vec<Candidate> {
        if limit == 0 || self.live == 0 {
            return Vec::new();
        }
        let q = self.prepare(query);
        let mut caches: [LooseCache; 2] = Default::default();
        let mut lookups = Vec::new();
        match blocks {
            Blocks::All => self.narrow_keys(&q, &mut lookups),
            Blocks::NameAndDateOfBirth => self.name_dob_keys(&q, DUPLICATE_BLOCK, &mut lookups),
        }
        let mut slots = Vec::new();
        self.table.gather(&lookups, &mut slots);
        slots.sort_unstable();
        slots.dedup();
        let scorer = Scorer {
            dict: &self.dict,
            population: self.live.max(1) as f64,
            dob_counts: &self.dob_counts,
            place_counts: &self.place_counts,
        };
        let mut scored = Vec::with_capacity(slots.len());
        self.score_all(&scorer, &q, &slots, &mut caches, &mut scored);
        let convinced = scored.iter().any(|c| c.score >= CONVINCING);
        if !convinced && blocks == Blocks::All {
            lookups.clear();
            self.wide_keys(&q, &mut lookups);
            let mut wide = Vec::new();
            self.table.gather(&lookups, &mut wide);
            wide.sort_unstable();
            wide.dedup();
            wide.retain(|s| slots.binary_search(s).is_err());
            self.score_all(&scorer, &q, &wide, &mut caches, &mut scored);
        }
        let order = |a: &Scored, b: &Scored| {
            b.same_identifier
                .cmp(&a.same_identifier)
                .then(b.score.total_cmp(&a.score))
                .then(a.id.cmp(&b.id))
        };
        if scored.len() > limit {
            scored.select_nth_unstable_by(limit - 1, order);
            scored.truncate(limit);
        }
        scored.sort_by(order);
        // Only the candidates shown need their reasons.
        scored
            .iter()
            .filter_map(|c| {
                let view = self.view(c.slot)?;
                let mut reasons = Vec::new();
                let (score, same_identifier) =
                    scorer.score(&q, &view, &mut caches, Some(&mut reasons));
                Some(Candidate {
                    id: c.id,
                    score: score - scorer.size_allowance(),
                    weight: score,
                    same_identifier,
                    reasons,
                })
            })
            .collect()
    }
}
