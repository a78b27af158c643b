//! The shipped table of given-name short forms and variants (`data/nicknames.txt`).

use super::normalise::normalise_name;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The raw table, compiled in so the matcher needs no files at run time.
const TABLE: &str = include_str!("../../data/nicknames.txt");

/// Names → the groups they belong to, and the groups' members.
pub(crate) struct Nicknames {
    groups_of: HashMap<String, Vec<u32>>,
    members: Vec<Vec<String>>,
}

impl Nicknames {
    fn parse(text: &str) -> Self {
        let mut groups_of: HashMap<String, Vec<u32>> = HashMap::new();
        let mut members = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut names: Vec<String> = line
                .split(',')
                .map(|n| normalise_name(n).concat())
                .collect();
            names.retain(|n| !n.is_empty());
            names.sort();
            names.dedup();
            if names.len() < 2 {
                continue;
            }
            let group = u32::try_from(members.len()).unwrap_or(u32::MAX);
            for name in &names {
                groups_of.entry(name.clone()).or_default().push(group);
            }
            members.push(names);
        }
        Self { groups_of, members }
    }

    /// The shared, lazily parsed table.
    pub(crate) fn get() -> &'static Self {
        static TABLE_CELL: OnceLock<Nicknames> = OnceLock::new();
        TABLE_CELL.get_or_init(|| Self::parse(TABLE))
    }

    /// Every name sharing a group with `name` (not including `name` itself).
    pub(crate) fn variants<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let groups = self.groups_of.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let name = name.to_owned();
        groups
            .iter()
            .filter_map(|g| self.members.get(*g as usize))
            .flatten()
            .map(String::as_str)
            .filter(move |n| *n != name)
    }

    /// Whether two normalised names share a group.
    pub(crate) fn related(&self, a: &str, b: &str) -> bool {
        match (self.groups_of.get(a), self.groups_of.get(b)) {
            (Some(ga), Some(gb)) => ga.iter().any(|g| gb.contains(g)),
            _ => false,
        }
    }
}

/// Whether two given names are known short forms or variants of each other
/// ("Bill" and "William", "Kasia" and "Katarzyna"), per the shipped table.
pub fn are_nicknames(a: &str, b: &str) -> bool {
    Nicknames::get().related(&normalise_name(a).concat(), &normalise_name(b).concat())
}

/// The known short forms and variants of a given name ("Bill" → "william", "billy", "will",
/// …), normalised and sorted; empty when the table does not know the name.
pub fn nickname_variants(name: &str) -> Vec<String> {
    let key = normalise_name(name).concat();
    let mut out: Vec<String> = Nicknames::get().variants(&key).map(str::to_owned).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_short_forms_are_related() {
        for (a, b) in [
            ("Bill", "William"),
            ("Liam", "William"),
            ("Kate", "Catherine"),
            ("Katie", "Katherine"),
            ("Kasia", "Katarzyna"),
            ("Peggy", "Margaret"),
            ("Jack", "John"),
            ("Sasha", "Alexander"),
            ("Siobhán", "Shivaun"),
            ("Mo", "Mohammed"),
        ] {
            assert!(are_nicknames(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn variants_are_listed() {
        let v = nickname_variants("Bill");
        assert!(v.contains(&"william".to_string()));
        assert!(!v.contains(&"bill".to_string()));
        assert!(nickname_variants("Qwzx").is_empty());
    }

    #[test]
    fn unrelated_names_are_not() {
        for (a, b) in [("Bill", "Thomas"), ("Kate", "Sophie"), ("Zzz", "Zzz")] {
            assert!(!are_nicknames(a, b), "{a} / {b}");
        }
    }

    #[test]
    fn the_table_has_a_few_hundred_groups() {
        assert!(Nicknames::get().members.len() > 300);
    }
}
