//! Person id → slot, in four bytes a cell.
//!
//! Every slot's entry already holds its person id, so the table stores only slots: an
//! open-addressing hash table (linear probing) whose cells are slot numbers, compared by the
//! id in the entry they point to. For a million people that is 8 MB, where a `HashMap<i64,
//! u32>` takes about 35.

use super::table::mix;

const EMPTY: u32 = u32::MAX;
const REMOVED: u32 = u32::MAX - 1;

pub(crate) struct IdTable {
    cells: Vec<u32>,
    /// Cells holding a slot.
    len: usize,
    /// Cells holding a slot or [`REMOVED`].
    used: usize,
}

impl IdTable {
    pub(crate) fn new() -> Self {
        Self {
            cells: vec![EMPTY; 8],
            len: 0,
            used: 0,
        }
    }

    fn home(&self, id: i64) -> usize {
        (mix(id as u64) as usize) & (self.cells.len() - 1)
    }

    /// The slot of `id`; `id_of(slot)` gives the id an occupied slot holds.
    pub(crate) fn get(&self, id: i64, id_of: impl Fn(u32) -> i64) -> Option<u32> {
        let mask = self.cells.len() - 1;
        let mut at = self.home(id);
        loop {
            match self.cells[at] {
                EMPTY => return None,
                REMOVED => {}
                slot if id_of(slot) == id => return Some(slot),
                _ => {}
            }
            at = (at + 1) & mask;
        }
    }

    /// Records that `id`, not yet in the table, is at `slot`.
    pub(crate) fn insert(&mut self, id: i64, slot: u32, id_of: impl Fn(u32) -> i64) {
        if (self.used + 1) * 8 > self.cells.len() * 7 || (self.len + 1) * 2 > self.cells.len() {
            self.resize(&id_of);
        }
        let mask = self.cells.len() - 1;
        let mut at = self.home(id);
        while self.cells[at] != EMPTY && self.cells[at] != REMOVED {
            at = (at + 1) & mask;
        }
        if self.cells[at] == EMPTY {
            self.used += 1;
        }
        self.cells[at] = slot;
        self.len += 1;
    }

    /// Forgets `id`; returns its slot if it was there.
    pub(crate) fn remove(&mut self, id: i64, id_of: impl Fn(u32) -> i64) -> Option<u32> {
        let mask = self.cells.len() - 1;
        let mut at = self.home(id);
        loop {
            match self.cells[at] {
                EMPTY => return None,
                REMOVED => {}
                slot if id_of(slot) == id => {
                    self.cells[at] = REMOVED;
                    self.len -= 1;
                    return Some(slot);
                }
                _ => {}
            }
            at = (at + 1) & mask;
        }
    }

    /// Rehashes into a table with at least twice as many cells as slots, dropping removals.
    fn resize(&mut self, id_of: &impl Fn(u32) -> i64) {
        let size = ((self.len + 1) * 2).next_power_of_two().max(8);
        let old = std::mem::replace(&mut self.cells, vec![EMPTY; size]);
        let mask = size - 1;
        for slot in old.into_iter().filter(|s| *s != EMPTY && *s != REMOVED) {
            let mut at = (mix(id_of(slot) as u64) as usize) & mask;
            while self.cells[at] != EMPTY {
                at = (at + 1) & mask;
            }
            self.cells[at] = slot;
        }
        self.used = self.len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_map() {
        // Slot i holds id ids[i]; ids are sparse and negative too.
        let mut ids: Vec<i64> = Vec::new();
        let mut table = IdTable::new();
        let mut model: HashMap<i64, u32> = HashMap::new();
        let mut state = 12_345u64;
        for step in 0..20_000u32 {
            state = mix(state.wrapping_add(u64::from(step)));
            let id = (state % 3_000) as i64 - 1_000;
            let id_of = |s: u32| ids[s as usize];
            if state.is_multiple_of(3) {
                assert_eq!(table.remove(id, id_of), model.remove(&id));
            } else if table.get(id, id_of).is_none() {
                ids.push(id);
                let slot = (ids.len() - 1) as u32;
                table.insert(id, slot, |s: u32| ids[s as usize]);
                model.insert(id, slot);
            }
            let id_of = |s: u32| ids[s as usize];
            assert_eq!(table.get(id, id_of), model.get(&id).copied());
        }
        let id_of = |s: u32| ids[s as usize];
        for (id, slot) in &model {
            assert_eq!(table.get(*id, id_of), Some(*slot));
        }
    }
}
