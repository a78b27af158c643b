//! String similarity on normalised names, without allocating.
//!
//! Names reaching the matcher are short ASCII words, so Jaro–Winkler and Damerau–Levenshtein
//! can work on bytes with bit masks and small arrays on the stack. They give exactly the
//! values of the `strsim` functions (which are used for anything longer or not ASCII), so the
//! ranking does not depend on which path was taken; the tests check that.

/// Longest word handled on the fast path.
const FAST: usize = 64;

/// Jaro–Winkler similarity, as `strsim::jaro_winkler`.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > FAST || y.len() > FAST {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro(x, y);
    if sim > 0.7 {
        let prefix = x.iter().take(4).zip(y).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// Jaro similarity of two ASCII words of at most [`FAST`] bytes, step for step as
/// `strsim::generic_jaro` so that the floating-point result is identical.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    let (a_len, b_len) = (a.len(), b.len());
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let search_range = (a_len.max(b_len) / 2).saturating_sub(1);
    let mut a_flags = 0u64;
    let mut b_flags = 0u64;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(search_range);
        let hi = b_len.min(i + search_range + 1);
        for (j, &cb) in b.iter().enumerate().take(hi).skip(lo) {
            if cb == ca && b_flags & (1 << j) == 0 {
                a_flags |= 1 << i;
                b_flags |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_flags & (1 << i) == 0 {
            continue;
        }
        while b_flags & (1 << j) == 0 {
            j += 1;
        }
        if ca != b[j] {
            transpositions += 1;
        }
        j += 1;
    }
    transpositions /= 2;
    ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// What a cheap upper bound on Jaro–Winkler needs to know about a word: its length, how often
/// each letter occurs (two bits a letter, 3 meaning "3 or more") and its first four bytes.
#[derive(Clone, Copy, Default)]
pub(crate) struct Signature {
    /// Letter counts in bits 0..52, length in bits 52..63; bit 63 set when the word is not
    /// all lower-case ASCII letters or is too long, and no bound can be given.
    counts: u64,
    head: u32,
}

const NO_BOUND: u64 = 1 << 63;

impl Signature {
    pub(crate) fn of(word: &str) -> Self {
        let bytes = word.as_bytes();
        let head = bytes
            .iter()
            .take(4)
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (8 * i));
        if bytes.len() > FAST || !bytes.iter().all(u8::is_ascii_lowercase) {
            return Self {
                counts: NO_BOUND,
                head,
            };
        }
        let mut counts = (bytes.len() as u64) << 52;
        for b in bytes {
            let shift = 2 * u64::from(b - b'a');
            if (counts >> shift) & 3 < 3 {
                counts += 1 << shift;
            }
        }
        Self { counts, head }
    }

    fn len(self) -> usize {
        ((self.counts >> 52) & 0x7ff) as usize
    }

    fn count(self, letter: u8) -> usize {
        ((self.counts >> (2 * u64::from(letter - b'a'))) & 3) as usize
    }
}

/// A searched word, ready to bound its Jaro–Winkler similarity with many known words.
pub(crate) struct BoundQuery {
    sig: Signature,
    /// The word's distinct letters and how often each occurs.
    letters: Vec<(u8, usize)>,
}

impl BoundQuery {
    pub(crate) fn new(word: &str) -> Self {
        let sig = Signature::of(word);
        let mut letters: Vec<(u8, usize)> = Vec::new();
        if sig.counts & NO_BOUND == 0 {
            for b in word.bytes() {
                match letters.iter_mut().find(|(l, _)| *l == b) {
                    Some(entry) => entry.1 += 1,
                    None => letters.push((b, 1)),
                }
            }
        }
        Self { sig, letters }
    }

    /// At least `jaro_winkler(word, other)`, from `other`'s signature alone: Jaro's matches
    /// pair equal letters, so they are at most the letters the two words share, and the
    /// Winkler prefix is at most the shared start.
    pub(crate) fn upper_bound(&self, other: Signature) -> f64 {
        if (self.sig.counts | other.counts) & NO_BOUND != 0 {
            return f64::INFINITY;
        }
        let (la, lb) = (self.sig.len(), other.len());
        if la == 0 || lb == 0 {
            return f64::INFINITY;
        }
        let shared: usize = self
            .letters
            .iter()
            .map(|&(l, n)| match other.count(l) {
                3 => n,
                c => c.min(n),
            })
            .sum();
        let m = shared.min(la).min(lb);
        let jaro = (m as f64 / la as f64 + m as f64 / lb as f64 + 1.0) / 3.0;
        let same = (self.sig.head ^ other.head).trailing_zeros() as usize / 8;
        let prefix = same.min(4).min(la).min(lb);
        // A margin for rounding: the bound is compared with similarities computed differently.
        jaro + 0.1 * prefix as f64 * (1.0 - jaro) + 1e-9
    }
}

/// Whether the (unrestricted) Damerau–Levenshtein distance of two words is at most
/// `max_edits`, as `strsim::damerau_levenshtein(a, b) <= max_edits`.
pub(crate) fn within_edits(a: &str, b: &str, max_edits: usize) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if x.len().abs_diff(y.len()) > max_edits {
        return false;
    }
    if !a.is_ascii() || !b.is_ascii() || x.len() > 30 || y.len() > 30 {
        return strsim::damerau_levenshtein(a, b) <= max_edits;
    }
    damerau_levenshtein(x, y) <= max_edits
}

/// Lowrance–Wagner Damerau–Levenshtein distance of two ASCII words of at most 30 bytes.
fn damerau_levenshtein(a: &[u8], b: &[u8]) -> usize {
    const W: usize = 32;
    let (n, m) = (a.len(), b.len());
    let inf = n + m;
    // d[i + 1][j + 1] is the distance between a[..i] and b[..j]; row and column 0 hold `inf`.
    let mut d = [[0usize; W]; W];
    d[0][0] = inf;
    for i in 0..=n {
        d[i + 1][0] = inf;
        d[i + 1][1] = i;
    }
    for j in 0..=m {
        d[0][j + 1] = inf;
        d[1][j + 1] = j;
    }
    // Last row (1-based) in which each byte was seen in `a`.
    let mut last_row = [0usize; 128];
    for i in 1..=n {
        let mut last_col = 0usize;
        for j in 1..=m {
            let k = last_row[usize::from(b[j - 1] & 0x7f)];
            let l = last_col;
            let cost = if a[i - 1] == b[j - 1] {
                last_col = j;
                0
            } else {
                1
            };
            d[i + 1][j + 1] = (d[i][j] + cost)
                .min(d[i + 1][j] + 1)
                .min(d[i][j + 1] + 1)
                .min(d[k][l] + (i - k - 1) + 1 + (j - l - 1));
        }
        last_row[usize::from(a[i - 1] & 0x7f)] = i;
    }
    d[n + 1][m + 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        for (a, b) in [
            ("smith", "smyth"),
            ("martha", "marhta"),
            ("dixon", "dicksonx"),
            ("", ""),
            ("a", ""),
            ("ab", "bca"),
            ("ca", "abc"),
            ("katherine", "catherine"),
        ] {
            assert_eq!(
                jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a} {b}"
            );
            for max in 0..4 {
                assert_eq!(
                    within_edits(a, b, max),
                    strsim::damerau_levenshtein(a, b) <= max,
                    "{a} {b} {max}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn the_bound_is_an_upper_bound(a in "[a-f]{0,12}", b in "[a-f]{0,12}") {
            let bound = BoundQuery::new(&a).upper_bound(Signature::of(&b));
            prop_assert!(jaro_winkler(&a, &b) <= bound, "{} {} {}", a, b, bound);
        }

        #[test]
        fn the_bound_holds_on_names(a in "[a-z]{0,14}", b in "[a-z]{0,14}", c in "(mu|mo)ha?mm?[ae]d") {
            prop_assert!(jaro_winkler(&a, &b) <= BoundQuery::new(&a).upper_bound(Signature::of(&b)));
            prop_assert!(jaro_winkler(&c, &b) <= BoundQuery::new(&c).upper_bound(Signature::of(&b)));
            prop_assert!(jaro_winkler(&a, &c) <= BoundQuery::new(&a).upper_bound(Signature::of(&c)));
        }

        #[test]
        fn same_as_strsim(a in "[a-e]{0,12}", b in "[a-e]{0,12}", max in 0usize..4) {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
            prop_assert_eq!(within_edits(&a, &b, max), strsim::damerau_levenshtein(&a, &b) <= max);
        }

        #[test]
        fn same_as_strsim_on_names(a in "[a-z]{0,20}", b in "[a-z]{0,20}") {
            prop_assert_eq!(jaro_winkler(&a, &b).to_bits(), strsim::jaro_winkler(&a, &b).to_bits());
            prop_assert_eq!(within_edits(&a, &b, 2), strsim::damerau_levenshtein(&a, &b) <= 2);
        }
    }
}
