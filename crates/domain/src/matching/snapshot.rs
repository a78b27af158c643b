//! The index written out and read back, so a process can start from a snapshot instead of
//! rebuilding from every person in the database.
//!
//! The format is ours and versioned: a magic number, [`SNAPSHOT_VERSION`], the caller's stamp
//! (the store records how far through the change feed the index was), the index's arrays as
//! little-endian integers, and a checksum over all of it. Only what is costly to recompute is
//! written — entries, name tokens, the posting table, the dictionary's words and counts; the
//! dictionary's phonetic and deletion lookups, the id table and the date and address counts are
//! rebuilt on reading, which takes a fraction of a second. A file that is truncated, altered, of another version, or
//! whose postings do not agree with its entries is refused, never half used.
//!
//! This module only encodes and decodes; the caller chooses where the bytes go.

use super::dictionary::Dictionary;
use super::ids::IdTable;
use super::index::{count_dob, count_places, Entry, MatchIndex};
use super::score::SEPARATOR;
use super::table::{PostingTable, TOMBSTONE};
use std::collections::HashMap;
use std::io::{self, Read, Write};

/// The snapshot format's version. Bump it whenever what the index holds or how its keys and
/// tokens are derived changes (normalisation, nicknames, blocking keys, entry layout): a
/// snapshot of another version is refused and the index rebuilt.
pub const SNAPSHOT_VERSION: u32 = 3;

const MAGIC: &[u8; 8] = b"ecafmix\0";
/// How many people's postings are re-derived on reading to check that the file's posting table
/// belongs to its entries (and was made by the same key derivation).
const SAMPLED_SLOTS: usize = 256;

/// Why a snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be read.
    #[error("could not read the snapshot: {0}")]
    Io(#[from] io::Error),
    /// It is not a snapshot of the matching index.
    #[error("not a matching index snapshot")]
    NotASnapshot,
    /// It was written by a version of ecaf that lays the index out differently.
    #[error("snapshot format {found}, this version of ecaf reads {SNAPSHOT_VERSION}")]
    OtherVersion {
        /// The version found in the file.
        found: u32,
    },
    /// It is truncated or altered.
    #[error("the snapshot is damaged: {0}")]
    Damaged(&'static str),
}

fn damaged(why: &'static str) -> SnapshotError {
    SnapshotError::Damaged(why)
}

/// Mixes one value into the running checksum (not cryptographic: it catches damage, and the
/// data directory is as trusted as the database in it).
fn fold(hash: u64, value: u64) -> u64 {
    (hash.rotate_left(23) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// Writes integers little-endian through a buffer, folding each into the checksum.
pub(crate) struct Encoder<W: Write> {
    out: W,
    buf: Vec<u8>,
    hash: u64,
}

impl<W: Write> Encoder<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            buf: Vec::with_capacity(1 << 16),
            hash: 0,
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.buf.len() + bytes.len() > self.buf.capacity() {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        if bytes.len() > self.buf.capacity() {
            return self.out.write_all(bytes);
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    pub(crate) fn u64(&mut self, v: u64) -> io::Result<()> {
        self.hash = fold(self.hash, v);
        self.raw(&v.to_le_bytes())
    }

    pub(crate) fn u32(&mut self, v: u32) -> io::Result<()> {
        self.hash = fold(self.hash, u64::from(v));
        self.raw(&v.to_le_bytes())
    }

    pub(crate) fn len(&mut self, n: usize) -> io::Result<()> {
        self.u64(n as u64)
    }

    pub(crate) fn u32s(&mut self, values: &[u32]) -> io::Result<()> {
        self.len(values.len())?;
        values.iter().try_for_each(|v| self.u32(*v))
    }

    pub(crate) fn u64s(&mut self, values: &[u64]) -> io::Result<()> {
        self.len(values.len())?;
        values.iter().try_for_each(|v| self.u64(*v))
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.len(bytes.len())?;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.hash = fold(self.hash, u64::from_le_bytes(word));
        }
        self.raw(bytes)
    }

    fn finish(mut self) -> io::Result<()> {
        let hash = self.hash;
        self.raw(&hash.to_le_bytes())?;
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

/// Reads what [`Encoder`] wrote, refusing any length longer than what is left of the input
/// before allocating for it.
pub(crate) struct Decoder<R: Read> {
    input: R,
    buf: Vec<u8>,
    at: usize,
    remaining: u64,
    hash: u64,
}

impl<R: Read> Decoder<R> {
    fn new(input: R, len: u64) -> Self {
        Self {
            input,
            buf: Vec::new(),
            at: 0,
            remaining: len,
            hash: 0,
        }
    }

    fn raw<const N: usize>(&mut self) -> Result<[u8; N], SnapshotError> {
        if self.buf.len() - self.at < N {
            let keep = self.buf.len() - self.at;
            self.buf.copy_within(self.at.., 0);
            self.buf.truncate(keep);
            let want = usize::try_from(self.remaining.min(1 << 16)).unwrap_or(1 << 16);
            if keep + want < N {
                return Err(damaged("it ends too soon"));
            }
            self.buf.resize(keep + want, 0);
            self.input.read_exact(&mut self.buf[keep..]).map_err(|e| {
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    damaged("it ends too soon")
                } else {
                    SnapshotError::Io(e)
                }
            })?;
            self.remaining -= want as u64;
            self.at = 0;
        }
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.at..self.at + N]);
        self.at += N;
        Ok(out)
    }

    /// Fills `out` from what is buffered, then straight from the input: the bulk of a
    /// snapshot is a few long arrays, read without going through the buffer value by value.
    fn fill(&mut self, out: &mut [u8]) -> Result<(), SnapshotError> {
        let buffered = (self.buf.len() - self.at).min(out.len());
        out[..buffered].copy_from_slice(&self.buf[self.at..self.at + buffered]);
        self.at += buffered;
        let rest = &mut out[buffered..];
        if rest.is_empty() {
            return Ok(());
        }
        if (rest.len() as u64) > self.remaining {
            return Err(damaged("it ends too soon"));
        }
        self.input.read_exact(rest).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                damaged("it ends too soon")
            } else {
                SnapshotError::Io(e)
            }
        })?;
        self.remaining -= rest.len() as u64;
        Ok(())
    }

    /// `n` little-endian values of `N` bytes each, converted by `f`, appended to `out` a
    /// chunk at a time.
    fn array<T, const N: usize>(
        &mut self,
        n: usize,
        out: &mut Vec<T>,
        f: impl Fn([u8; N]) -> T,
        widen: impl Fn(&T) -> u64,
    ) -> Result<(), SnapshotError> {
        const CHUNK: usize = 1 << 16;
        let mut bytes = vec![0u8; CHUNK.min(n) * N];
        let mut left = n;
        while left > 0 {
            let take = left.min(CHUNK);
            let part = &mut bytes[..take * N];
            self.fill(part)?;
            for raw in part.chunks_exact(N) {
                let mut value = [0u8; N];
                value.copy_from_slice(raw);
                let v = f(value);
                self.hash = fold(self.hash, widen(&v));
                out.push(v);
            }
            left -= take;
        }
        Ok(())
    }

    /// Bytes not yet consumed.
    fn left(&self) -> u64 {
        self.remaining + (self.buf.len() - self.at) as u64
    }

    pub(crate) fn u64(&mut self) -> Result<u64, SnapshotError> {
        let v = u64::from_le_bytes(self.raw::<8>()?);
        self.hash = fold(self.hash, v);
        Ok(v)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, SnapshotError> {
        let v = u32::from_le_bytes(self.raw::<4>()?);
        self.hash = fold(self.hash, u64::from(v));
        Ok(v)
    }

    /// A length of items of `size` bytes each, no more than the input still holds.
    pub(crate) fn len(&mut self, size: u64) -> Result<usize, SnapshotError> {
        let n = self.u64()?;
        if n.saturating_mul(size.max(1)) > self.left() {
            return Err(damaged("a length is longer than the file"));
        }
        usize::try_from(n).map_err(|_| damaged("a length is too large"))
    }

    pub(crate) fn u32s(&mut self) -> Result<Vec<u32>, SnapshotError> {
        let n = self.len(4)?;
        let mut out = Vec::with_capacity(n);
        self.array(n, &mut out, u32::from_le_bytes, |v| u64::from(*v))?;
        Ok(out)
    }

    pub(crate) fn u64s(&mut self) -> Result<Vec<u64>, SnapshotError> {
        let n = self.len(8)?;
        let mut out = Vec::with_capacity(n);
        self.array(n, &mut out, u64::from_le_bytes, |v| *v)?;
        Ok(out)
    }

    pub(crate) fn bytes(&mut self) -> Result<Vec<u8>, SnapshotError> {
        let n = self.len(1)?;
        let mut out = vec![0u8; n];
        self.fill(&mut out)?;
        for chunk in out.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.hash = fold(self.hash, u64::from_le_bytes(word));
        }
        Ok(out)
    }

    fn finish(mut self) -> Result<(), SnapshotError> {
        let expected = self.hash;
        let found = u64::from_le_bytes(self.raw::<8>()?);
        if found != expected {
            return Err(damaged("its checksum does not match"));
        }
        if self.left() != 0 {
            return Err(damaged("there is more after its end"));
        }
        Ok(())
    }
}

impl MatchIndex {
    /// Writes the whole index to `out` with `stamp`, the caller's note of what the index is up
    /// to (read back by [`MatchIndex::read_snapshot`]). `out` should be buffered by the caller
    /// only if it is slow to write small pieces to; the encoder buffers too.
    pub fn write_snapshot(&self, stamp: &[u8], out: impl Write) -> io::Result<()> {
        let mut enc = Encoder::new(out);
        enc.raw(MAGIC)?;
        enc.u32(SNAPSHOT_VERSION)?;
        enc.bytes(stamp)?;
        self.encode(&mut enc)?;
        enc.finish()
    }

    /// Reads an index written by [`MatchIndex::write_snapshot`] from `input`, which holds `len`
    /// bytes, and its stamp. Refuses a file of another version, a damaged one, and one whose
    /// posting table does not agree with its people.
    pub fn read_snapshot(input: impl Read, len: u64) -> Result<(Self, Vec<u8>), SnapshotError> {
        let mut dec = Decoder::new(input, len);
        if dec.raw::<8>().ok().as_ref() != Some(MAGIC) {
            return Err(SnapshotError::NotASnapshot);
        }
        let version = dec.u32()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::OtherVersion { found: version });
        }
        let stamp = dec.bytes()?;
        let index = Self::decode(&mut dec)?;
        dec.finish()?;
        if !index.postings_agree_with_entries(SAMPLED_SLOTS) {
            return Err(damaged("its postings do not agree with its people"));
        }
        Ok((index, stamp))
    }
}

impl Entry {
    pub(crate) fn encode<W: Write>(&self, enc: &mut Encoder<W>) -> io::Result<()> {
        enc.u64(self.id as u64)?;
        enc.u64(self.nhs)?;
        enc.u64(self.upn)?;
        enc.u64(self.postcode)?;
        enc.u64(self.address)?;
        enc.u64(self.town)?;
        enc.u32(self.dob)?;
        enc.u32(self.names_at)?;
        enc.u32(
            u32::from(self.given_len)
                | u32::from(self.family_len) << 8
                | u32::from(self.other_len) << 16
                | u32::from(self.live) << 24,
        )
    }

    pub(crate) fn decode<R: Read>(dec: &mut Decoder<R>) -> Result<Self, SnapshotError> {
        let id = dec.u64()? as i64;
        let (nhs, upn, postcode) = (dec.u64()?, dec.u64()?, dec.u64()?);
        let (address, town) = (dec.u64()?, dec.u64()?);
        let (dob, names_at, lens) = (dec.u32()?, dec.u32()?, dec.u32()?);
        if lens >> 25 != 0 {
            return Err(damaged("an entry's lengths are out of range"));
        }
        let byte = |shift: u32| u8::try_from(lens >> shift & 0xff).unwrap_or(0);
        Ok(Entry {
            id,
            nhs,
            upn,
            postcode,
            address,
            town,
            dob,
            names_at,
            given_len: byte(0),
            family_len: byte(8),
            other_len: byte(16),
            live: lens >> 24 == 1,
        })
    }
}

/// Bytes one encoded entry takes, for the length check.
pub(crate) const ENTRY_BYTES: u64 = 6 * 8 + 3 * 4;

impl Dictionary {
    pub(crate) fn encode<W: Write>(&self, enc: &mut Encoder<W>) -> io::Result<()> {
        enc.bytes(self.texts.as_bytes())?;
        enc.u32s(&self.starts)?;
        enc.u32s(&self.counts)
    }

    /// Rebuilds the dictionary from its words in id order, so every token keeps its id.
    pub(crate) fn decode<R: Read>(dec: &mut Decoder<R>) -> Result<Self, SnapshotError> {
        let texts = String::from_utf8(dec.bytes()?).map_err(|_| damaged("a word is not text"))?;
        let starts = dec.u32s()?;
        let counts = dec.u32s()?;
        if starts.first() != Some(&0)
            || starts.len() != counts.len() + 1
            || starts.windows(2).any(|w| w[0] > w[1])
            || starts.last().map(|s| *s as usize) != Some(texts.len())
        {
            return Err(damaged("the dictionary's words are out of order"));
        }
        let mut dict = Dictionary::new();
        for (id, w) in starts.windows(2).enumerate() {
            let word = texts
                .get(w[0] as usize..w[1] as usize)
                .ok_or_else(|| damaged("a word is cut in the middle of a letter"))?;
            if dict.intern(word) as usize != id {
                return Err(damaged("a word is in the dictionary twice"));
            }
        }
        dict.counts = counts;
        Ok(dict)
    }
}

impl PostingTable {
    pub(crate) fn encode<W: Write>(&self, enc: &mut Encoder<W>) -> io::Result<()> {
        enc.u32(self.dir_bits)?;
        enc.u32s(&self.dir)?;
        enc.u64s(&self.keys)?;
        enc.u32s(&self.offsets)?;
        enc.u32s(&self.postings)?;
        let mut delta: Vec<(&u64, &Vec<u32>)> = self.delta.iter().collect();
        delta.sort_unstable_by_key(|(k, _)| **k);
        enc.len(delta.len())?;
        for (key, slots) in delta {
            enc.u64(*key)?;
            enc.u32s(slots)?;
        }
        Ok(())
    }

    /// Reads a table for an index of `slots` slots, refusing one that points outside it.
    pub(crate) fn decode<R: Read>(
        dec: &mut Decoder<R>,
        slots: usize,
    ) -> Result<Self, SnapshotError> {
        let dir_bits = dec.u32()?;
        let dir = dec.u32s()?;
        let keys = dec.u64s()?;
        let offsets = dec.u32s()?;
        let postings = dec.u32s()?;
        let mut delta = Vec::new();
        for _ in 0..dec.len(16)? {
            delta.push((dec.u64()?, dec.u32s()?));
        }
        let monotonic = |v: &[u32], last: usize| {
            v.first() == Some(&0)
                && v.windows(2).all(|w| w[0] <= w[1])
                && v.last().map(|x| *x as usize) == Some(last)
        };
        let in_range = |s: &u32| (*s as usize) < slots;
        if !(1..=31).contains(&dir_bits)
            || dir.len() != (1usize << dir_bits) + 1
            || !monotonic(&dir, keys.len())
            || offsets.len() != keys.len() + 1
            || !monotonic(&offsets, postings.len())
            || !keys.windows(2).all(|w| w[0] < w[1])
            || !postings.iter().all(|s| in_range(s) || *s == TOMBSTONE)
            || !delta.iter().all(|(_, s)| s.iter().all(in_range))
        {
            return Err(damaged("the posting table is inconsistent"));
        }
        let tombstones = postings.iter().filter(|s| **s == TOMBSTONE).count();
        let delta_postings = delta.iter().map(|(_, s)| s.len()).sum();
        Ok(PostingTable {
            dir_bits,
            dir,
            keys,
            offsets,
            postings,
            delta: delta.into_iter().collect(),
            delta_postings,
            tombstones,
        })
    }
}

impl MatchIndex {
    fn encode<W: Write>(&self, enc: &mut Encoder<W>) -> io::Result<()> {
        enc.len(self.entries.len())?;
        for e in &self.entries {
            e.encode(enc)?;
        }
        enc.u32s(&self.free)?;
        enc.u32s(&self.arena)?;
        enc.len(self.arena_garbage)?;
        self.dict.encode(enc)?;
        self.table.encode(enc)
    }

    fn decode<R: Read>(dec: &mut Decoder<R>) -> Result<Self, SnapshotError> {
        let n = dec.len(ENTRY_BYTES)?;
        let mut entries = Vec::with_capacity(n);
        for _ in 0..n {
            entries.push(Entry::decode(dec)?);
        }
        let free = dec.u32s()?;
        let arena = dec.u32s()?;
        let arena_garbage = dec.len(0)?;
        let dict = Dictionary::decode(dec)?;
        let table = PostingTable::decode(dec, entries.len())?;
        let mut slot_of = IdTable::new();
        let mut live = 0;
        let mut dob_counts = HashMap::default();
        let mut place_counts = HashMap::default();
        for (slot, e) in entries.iter().enumerate() {
            if !e.live {
                continue;
            }
            let end = e.names_at as usize
                + usize::from(e.given_len)
                + usize::from(e.family_len)
                + usize::from(e.other_len);
            let tokens = arena
                .get(e.names_at as usize..end)
                .ok_or_else(|| damaged("an entry's names are outside the arena"))?;
            if !tokens
                .iter()
                .all(|t| (*t as usize) < dict.counts.len() || *t == SEPARATOR)
            {
                return Err(damaged("an entry uses a word not in the dictionary"));
            }
            let id_of = |s: u32| entries.get(s as usize).map_or(i64::MIN, |e| e.id);
            if slot_of.get(e.id, id_of).is_some() {
                return Err(damaged("a person is in the index twice"));
            }
            let slot = u32::try_from(slot).map_err(|_| damaged("too many entries"))?;
            slot_of.insert(e.id, slot, id_of);
            count_dob(&mut dob_counts, e.dob, true);
            count_places(&mut place_counts, e, true);
            live += 1;
        }
        if !free
            .iter()
            .all(|s| entries.get(*s as usize).is_some_and(|e| !e.live))
        {
            return Err(damaged("a free slot is in use"));
        }
        Ok(MatchIndex {
            entries,
            free,
            slot_of,
            arena,
            arena_garbage,
            dict,
            table,
            live,
            dob_counts,
            place_counts,
        })
    }
}
