//! A compact multimap from blocking keys to person slots.
//!
//! Most postings are written once, when the index is built from the database, so the bulk is
//! a static hash table made by sorting: the keys are scrambled with a bijective mixer, sorted,
//! and found through a directory on their top bits (about two probes, no per-key allocation).
//! That costs 12 bytes per distinct key and 4 per posting, which is what lets a million people
//! fit in a few hundred megabytes. Later changes go to a small ordinary hash map; removals
//! overwrite the posting in the static part with a tombstone so nothing stale is ever
//! returned, and a freed posting place is reused when the same key is added again. When the
//! mutable part grows large the owner rebuilds the table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Marks a removed posting in the static part.
pub(super) const TOMBSTONE: u32 = u32::MAX;

/// The splitmix64 finaliser: a bijection on u64, so scrambled keys can be stored instead of the
/// keys themselves without any risk of two keys colliding.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A fast hasher for integer keys (the default SipHash is built to resist hash flooding by
/// strangers, which an in-process index of our own keys does not need).
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(17) ^ n;
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }
}

/// Builder for [`IntHasher`].
pub(crate) type IntBuild = BuildHasherDefault<IntHasher>;

/// Keys → person slots.
pub(crate) struct PostingTable {
    pub(super) dir_bits: u32,
    /// `dir[b]..dir[b + 1]` is the range of `keys` whose top `dir_bits` bits are `b`.
    pub(super) dir: Vec<u32>,
    /// Mixed keys, sorted.
    pub(super) keys: Vec<u64>,
    /// `offsets[i]..offsets[i + 1]` is the postings range of `keys[i]`.
    pub(super) offsets: Vec<u32>,
    pub(super) postings: Vec<u32>,
    /// Postings added since the build, by unmixed key.
    pub(super) delta: HashMap<u64, Vec<u32>, IntBuild>,
    pub(super) delta_postings: usize,
    pub(super) tombstones: usize,
}

impl PostingTable {
    /// An empty table.
    pub(crate) fn new() -> Self {
        Self::build(0, |_, _| {})
    }

    /// Builds the static part from the keys of slots `0..slots`, as `keys_of` gives them
    /// (distinct per slot, and the same every time: it is asked four times). Asking again
    /// instead of collecting every (key, slot) pair first keeps the build's peak memory near
    /// the finished table's: at a million people that list alone would be over 100 MB.
    pub(crate) fn build(slots: u32, mut keys_of: impl FnMut(u32, &mut Vec<u64>)) -> Self {
        let mut buf = Vec::new();
        let mut each_key = |f: &mut dyn FnMut(u32, u64)| {
            for slot in 0..slots {
                buf.clear();
                keys_of(slot, &mut buf);
                for key in &buf {
                    f(slot, *key);
                }
            }
        };
        let mut total = 0usize;
        each_key(&mut |_, _| total += 1);
        let mut keys = Vec::with_capacity(total);
        each_key(&mut |_, key| keys.push(mix(key)));
        keys.sort_unstable();
        keys.dedup();
        keys.shrink_to_fit();
        // Two to four keys per directory entry: one more comparison per lookup (same cache
        // line, usually) for a directory of about one byte per key.
        let dir_bits = (usize::BITS - keys.len().leading_zeros())
            .saturating_sub(2)
            .clamp(1, 31);
        let buckets = 1usize << dir_bits;
        let mut dir = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for b in 0..buckets as u64 {
            while at < keys.len() && (keys[at] >> (64 - dir_bits)) < b {
                at += 1;
            }
            dir.push(to_u32(at));
        }
        dir.push(to_u32(keys.len()));
        let mut table = Self {
            dir_bits,
            dir,
            offsets: vec![0; keys.len() + 1],
            keys,
            postings: vec![0; total],
            delta: HashMap::default(),
            delta_postings: 0,
            tombstones: 0,
        };
        // Count each key's postings into the slot after it, and sum: `offsets[i]` is then
        // where key i's postings start. Filling advances `offsets[i]` to where they end,
        // which is where key i + 1's start; shifting by one restores the starts.
        each_key(&mut |_, key| {
            if let Some(i) = table.position(mix(key)) {
                table.offsets[i + 1] += 1;
            }
        });
        for i in 1..table.offsets.len() {
            table.offsets[i] += table.offsets[i - 1];
        }
        each_key(&mut |slot, key| {
            if let Some(i) = table.position(mix(key)) {
                table.postings[table.offsets[i] as usize] = slot;
                table.offsets[i] += 1;
            }
        });
        table.offsets.rotate_right(1);
        table.offsets[0] = 0;
        table
    }

    /// Where a mixed key is in `keys`.
    fn position(&self, mixed: u64) -> Option<usize> {
        let b = (mixed >> (64 - self.dir_bits)) as usize;
        let lo = *self.dir.get(b)? as usize;
        let hi = *self.dir.get(b + 1)? as usize;
        Some(lo + self.keys.get(lo..hi)?.iter().position(|k| *k == mixed)?)
    }

    fn static_range(&self, key: u64) -> Option<std::ops::Range<usize>> {
        let i = self.position(mix(key))?;
        Some(self.offsets[i] as usize..self.offsets[i + 1] as usize)
    }

    /// Calls `f` with every slot under `key`.
    #[cfg(test)]
    pub(crate) fn for_each(&self, key: u64, mut f: impl FnMut(u32)) {
        if let Some(range) = self.static_range(key) {
            for slot in &self.postings[range] {
                if *slot != TOMBSTONE {
                    f(*slot);
                }
            }
        }
        if let Some(slots) = self.delta.get(&key) {
            slots.iter().copied().for_each(f);
        }
    }

    /// Appends to `out` every slot under each of `keys` whose block holds at most its `cap`
    /// slots (tombstones included: a cheap upper bound, so a block too big to be useful is
    /// skipped without being read). The lookups go in stages — every directory
    /// entry, then every key run, then every postings range — so that their cache misses,
    /// which dominate a large table, overlap instead of following one another.
    pub(crate) fn gather(&self, keys: &[(u64, usize)], out: &mut Vec<u32>) {
        let shift = 64 - self.dir_bits;
        // Stage 1: directory ranges.
        let mut found: Vec<(u64, u32, u32)> = keys
            .iter()
            .map(|&(key, _)| {
                let mixed = mix(key);
                let b = (mixed >> shift) as usize;
                let lo = self.dir.get(b).copied().unwrap_or(0);
                let hi = self.dir.get(b + 1).copied().unwrap_or(0);
                (mixed, lo, hi)
            })
            .collect();
        // Stage 2: the key's position in `keys`, or `u32::MAX` when absent.
        for f in &mut found {
            let (lo, hi) = (f.1 as usize, f.2 as usize);
            f.1 = self
                .keys
                .get(lo..hi)
                .and_then(|run| run.iter().position(|k| *k == f.0))
                .map_or(u32::MAX, |i| to_u32(lo + i));
        }
        // Stage 3: postings.
        for (f, &(key, cap)) in found.iter().zip(keys) {
            let range = match f.1 {
                u32::MAX => 0..0,
                i => self.offsets[i as usize] as usize..self.offsets[i as usize + 1] as usize,
            };
            let delta = if self.delta.is_empty() {
                None
            } else {
                self.delta.get(&key)
            };
            if range.len() + delta.map_or(0, Vec::len) > cap {
                continue;
            }
            out.extend(
                self.postings[range]
                    .iter()
                    .copied()
                    .filter(|s| *s != TOMBSTONE),
            );
            if let Some(slots) = delta {
                out.extend_from_slice(slots);
            }
        }
    }

    /// Adds a posting (idempotent).
    pub(crate) fn insert(&mut self, key: u64, slot: u32) {
        if let Some(range) = self.static_range(key) {
            let place = &mut self.postings[range];
            if place.contains(&slot) {
                return;
            }
            if let Some(free) = place.iter_mut().find(|s| **s == TOMBSTONE) {
                *free = slot;
                self.tombstones -= 1;
                return;
            }
        }
        let slots = self.delta.entry(key).or_default();
        if !slots.contains(&slot) {
            slots.push(slot);
            self.delta_postings += 1;
        }
    }

    /// Removes a posting if present.
    pub(crate) fn remove(&mut self, key: u64, slot: u32) {
        if let Some(range) = self.static_range(key) {
            if let Some(found) = self.postings[range].iter_mut().find(|s| **s == slot) {
                *found = TOMBSTONE;
                self.tombstones += 1;
                return;
            }
        }
        if let Some(slots) = self.delta.get_mut(&key) {
            if let Some(i) = slots.iter().position(|s| *s == slot) {
                slots.swap_remove(i);
                self.delta_postings -= 1;
                if slots.is_empty() {
                    self.delta.remove(&key);
                }
            }
        }
    }

    /// Whether enough has changed since the build that rebuilding would pay for itself.
    pub(crate) fn wants_rebuild(&self) -> bool {
        self.delta_postings + self.tombstones > 50_000 + self.postings.len() / 2
    }

    /// The number of live postings.
    #[cfg(test)]
    pub(crate) fn live_postings(&self) -> usize {
        self.postings.len() - self.tombstones + self.delta_postings
    }
}

fn to_u32(n: usize) -> u32 {
    // The index is documented as holding fewer than 2³² postings; saturate rather than wrap.
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slot i under key i mod 997.
    fn every_997th(slot: u32, out: &mut Vec<u64>) {
        out.push(u64::from(slot % 997));
    }

    fn slots(t: &PostingTable, key: u64) -> Vec<u32> {
        let mut v = Vec::new();
        t.for_each(key, |s| v.push(s));
        v.sort_unstable();
        v
    }

    #[test]
    fn built_postings_are_found_and_removals_hide_them() {
        let mut t = PostingTable::build(10_000, every_997th);
        assert_eq!(slots(&t, 5).len(), 11);
        assert_eq!(slots(&t, 2_000), Vec::<u32>::new());
        t.remove(5, 5);
        assert!(!slots(&t, 5).contains(&5));
        t.insert(5, 123_456);
        assert!(slots(&t, 5).contains(&123_456));
        t.insert(2_000, 7);
        assert_eq!(slots(&t, 2_000), vec![7]);
        t.remove(2_000, 7);
        assert_eq!(slots(&t, 2_000), Vec::<u32>::new());
        assert_eq!(t.live_postings(), 10_000);
    }

    #[test]
    fn gathering_finds_what_key_by_key_lookups_find() {
        let mut t = PostingTable::build(10_000, every_997th);
        t.remove(5, 5);
        t.insert(5, 123_456);
        t.insert(2_000, 7);
        let lookups: Vec<(u64, usize)> =
            vec![(5, 100), (6, 100), (2_000, 100), (3_000, 100), (7, 5)];
        let mut got = Vec::new();
        t.gather(&lookups, &mut got);
        got.sort_unstable();
        let mut expected: Vec<u32> = [5, 6, 2_000].iter().flat_map(|k| slots(&t, *k)).collect();
        expected.sort_unstable();
        assert_eq!(got, expected);
    }

    #[test]
    fn mix_is_a_bijection_on_a_sample() {
        let mut seen: Vec<u64> = (0..100_000u64).map(mix).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 100_000);
    }
}
