//! A deterministic hasher for the engine's and the replay's lookup tables,
//! and the engine's own table from ids to slots ([`IdMap`]).
//!
//! Lookups only: no decision ever depends on hash order, and the hashes are
//! the same on every platform and run.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by ids or requirement sets, hashed with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// A fast, deterministic hasher for ids and requirement sets (FxHash's
/// multiply-rotate, eight bytes at a time, then a final mix). Lookups only: no
/// hash order ever reaches a decision.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits, which pick the bucket, depending
        // only on the low bytes of each word: ids such as "t12345" share them
        // and collided into long probe chains (a fifth of the engine's time
        // went to comparing ids). Fold the high bits down (murmur3's fmix64).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            self.add(word);
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 56);
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// An id as a lookup key. Ids of up to 22 bytes (nearly all of them: `t1042`,
/// `agent-17`, a UUID's 32 hex digits excepted) are kept inside the table, so
/// a lookup compares bytes it has already loaded instead of following a
/// pointer into memory that is cold on a large desk, and storing a key does
/// not allocate. Looked up by the id's bytes (`map.get(id.as_bytes())`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdKey {
    /// The bytes and their length.
    Inline([u8; INLINE_ID], u8),
    /// A longer id.
    Heap(Box<[u8]>),
}

/// Longest id an [`IdKey`] keeps inline (the enum stays 24 bytes).
const INLINE_ID: usize = 22;

impl IdKey {
    pub(crate) fn new(id: &str) -> IdKey {
        let bytes = id.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE_ID => {
                let mut inline = [0; INLINE_ID];
                inline[..bytes.len()].copy_from_slice(bytes);
                IdKey::Inline(inline, len)
            }
            _ => IdKey::Heap(bytes.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            IdKey::Inline(bytes, len) => &bytes[..usize::from(*len)],
            IdKey::Heap(bytes) => bytes,
        }
    }
}

/// The hash of an id, worked out once: to prefetch its place in an
/// [`IdMap`] and then look it up there, or in two maps at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IdHash(u32);

impl IdHash {
    /// The hash of `id`'s bytes ([`FastHasher`], the same on every platform).
    pub(crate) fn of(id: &[u8]) -> IdHash {
        let mut hasher = FastHasher::default();
        hasher.write(id);
        IdHash(hasher.finish() as u32)
    }
}

/// Ids to slot numbers: an open-addressing table with linear probing, kept
/// at most half full.
///
/// Built for the engine's large tables (a ticket id per open ticket, a
/// hundred thousand and more on a large desk), where a lookup is a cache
/// miss: an entry holds the id (inline up to 22 bytes, see [`IdKey`]), its
/// value and its hash, so a lookup usually reads one cache line (a
/// `HashMap` reads its control bytes, then the entry). And since a caller
/// can work out an id's hash and start loading its place
/// ([`IdMap::prefetch`]) before it needs the answer, the engine overlaps the
/// lookups of an event's ticket and agent. Lookups only: nothing iterates
/// the table, so no decision depends on its order.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdMap {
    /// A power of two of places (or none), at most half of them taken.
    places: Vec<Option<Entry>>,
    len: usize,
}

/// An id, its value and its hash: 32 bytes, aligned to 32 so that whatever
/// the host's allocator, no entry straddles two cache lines (the table is
/// aligned as its entries are).
#[derive(Clone, Debug)]
#[repr(align(32))]
struct Entry {
    key: IdKey,
    value: u32,
    hash: IdHash,
}

/// The fewest places a table that holds anything has.
const MIN_PLACES: usize = 16;

impl IdMap {
    /// How many ids the table holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Empties the table (keeping its memory).
    pub(crate) fn clear(&mut self) {
        self.places.iter_mut().for_each(|place| *place = None);
        self.len = 0;
    }

    /// Makes room for `more` ids without growing again.
    pub(crate) fn reserve(&mut self, more: usize) {
        let wanted = (self.len + more).saturating_mul(2).max(MIN_PLACES).next_power_of_two();
        if wanted > self.places.len() {
            self.grow_to(wanted);
        }
    }

    /// The place an id of this hash is looked for first.
    fn home(&self, hash: IdHash) -> usize {
        hash.0 as usize & (self.places.len() - 1)
    }

    /// Starts loading the place where an id of this hash is looked for
    /// first. A hint only (see [`crate::prefetch`]).
    pub(crate) fn prefetch(&self, hash: IdHash) {
        if crate::prefetch::AVAILABLE && !self.places.is_empty() {
            crate::prefetch::prefetch(&self.places[self.home(hash)]);
        }
    }

    /// The place holding `id` (of hash `hash`), or the empty place that
    /// ends its probe.
    fn find(&self, id: &[u8], hash: IdHash) -> Result<usize, usize> {
        let mask = self.places.len() - 1;
        let mut i = self.home(hash);
        loop {
            match &self.places[i] {
                None => return Err(i),
                Some(entry) if entry.hash == hash && entry.key.as_bytes() == id => return Ok(i),
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// The value of `id`.
    pub(crate) fn get(&self, id: &[u8]) -> Option<u32> {
        self.get_hashed(id, IdHash::of(id))
    }

    /// The value of `id`, whose hash is `hash` ([`IdHash::of`]).
    pub(crate) fn get_hashed(&self, id: &[u8], hash: IdHash) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let i = self.find(id, hash).ok()?;
        self.places[i].as_ref().map(|entry| entry.value)
    }

    /// Whether the table holds `id`.
    pub(crate) fn contains_key(&self, id: &[u8]) -> bool {
        self.get(id).is_some()
    }

    /// Sets `key`'s value; returns the value it replaces, if any.
    pub(crate) fn insert(&mut self, key: IdKey, value: u32) -> Option<u32> {
        if (self.len + 1) * 2 > self.places.len() {
            self.grow_to((self.places.len() * 2).max(MIN_PLACES));
        }
        let hash = IdHash::of(key.as_bytes());
        match self.find(key.as_bytes(), hash) {
            Ok(i) => self.places[i].as_mut().map(|entry| std::mem::replace(&mut entry.value, value)),
            Err(i) => {
                self.places[i] = Some(Entry { key, value, hash });
                self.len += 1;
                None
            }
        }
    }

    /// Takes `id` out of the table; returns its value, if it was there.
    pub(crate) fn remove(&mut self, id: &[u8]) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let mut hole = self.find(id, IdHash::of(id)).ok()?;
        let removed = self.places[hole].take().map(|entry| entry.value);
        self.len -= 1;
        // Backward shift: each entry after the hole, up to the next empty
        // place, moves into the hole if the hole lies on its probe (between
        // its home and its place), so every probe still reaches its entry
        // before an empty place.
        let mask = self.places.len() - 1;
        let mut i = (hole + 1) & mask;
        while let Some(entry) = &self.places[i] {
            let probed = i.wrapping_sub(self.home(entry.hash)) & mask;
            if probed >= (i.wrapping_sub(hole) & mask) {
                self.places[hole] = self.places[i].take();
                hole = i;
            }
            i = (i + 1) & mask;
        }
        removed
    }

    /// Moves every entry into a table of `places` places.
    fn grow_to(&mut self, places: usize) {
        let old = std::mem::replace(&mut self.places, vec![None; places]);
        for entry in old.into_iter().flatten() {
            let hash = entry.hash;
            if let Err(i) = self.find(entry.key.as_bytes(), hash) {
                self.places[i] = Some(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ids_inline_and_long_are_found_by_their_bytes() {
        let long = "x".repeat(INLINE_ID + 1);
        let ids = ["", "t1", &"y".repeat(INLINE_ID), &long, "ünïcode"];
        let mut map = IdMap::default();
        for (i, id) in ids.iter().enumerate() {
            map.insert(IdKey::new(id), i as u32);
        }
        assert!(matches!(IdKey::new(&"y".repeat(INLINE_ID)), IdKey::Inline(..)));
        assert!(matches!(IdKey::new(&long), IdKey::Heap(..)));
        assert_eq!(std::mem::size_of::<IdKey>(), 24);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id.as_bytes()), Some(i as u32), "{id}");
        }
        // A prefix or an extension of a stored id is a different id.
        assert_eq!(map.get(&b"t"[..]), None);
        assert_eq!(map.get(&b"t12"[..]), None);
        assert_eq!(map.get(&long.as_bytes()[..INLINE_ID]), None);
        assert_eq!(map.remove(&b"t1"[..]), Some(1));
        assert_eq!(map.get(&b"t1"[..]), None);
        assert_eq!(std::mem::size_of::<Option<Entry>>(), 32, "two entries to a cache line");
        assert_eq!(std::mem::align_of::<Option<Entry>>(), 32, "none across two lines");
    }

    /// Removing an entry shifts back the entries after it, round the end of
    /// the table: "t22", "t2" and "t26" all have place 14 of 16 as their
    /// home, so they take places 14, 15 and 0; with "t2" gone, "t26" moves
    /// from place 0 to 15, or a probe from 14 would stop at the empty 15.
    #[test]
    fn a_removal_shifts_entries_back_round_the_end_of_the_table() {
        let mut map = IdMap::default();
        for (id, value) in [("t22", 22), ("t2", 2), ("t26", 26)] {
            map.insert(IdKey::new(id), value);
        }
        assert_eq!(map.places.len(), 16);
        let home = |id: &str| map.home(IdHash::of(id.as_bytes()));
        assert_eq!((home("t22"), home("t2"), home("t26")), (14, 14, 14), "the ids this test needs");
        assert_eq!(map.remove(b"t2"), Some(2));
        assert_eq!((map.get(b"t26"), map.get(b"t22"), map.get(b"t2")), (Some(26), Some(22), None));
        assert!(map.places[0].is_none() && map.places[15].is_some(), "t26 moved round the end");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u32),
        Remove(u16),
        Reserve(u16),
        Clear,
    }

    /// Ids short and long (kept inline and on the heap), from a small set so
    /// that operations meet the same ids again.
    fn id(n: u16) -> String {
        if n.is_multiple_of(7) { format!("long-ticket-id-of-more-than-22-bytes-{n}") } else { format!("t{n}") }
    }

    proptest! {
        /// The table acts as a map: after every insert, removal (the
        /// backward shift of the entries after it, round the end of the
        /// table too), reservation and clearing, each id of the set is found
        /// with its value or not at all, as in a `BTreeMap` given the same
        /// operations.
        #[test]
        fn id_map_behaves_like_a_map(ops in proptest::collection::vec(
            prop_oneof![
                6 => (0..60u16, proptest::num::u32::ANY).prop_map(|(k, v)| Op::Insert(k, v)),
                5 => (0..60u16).prop_map(Op::Remove),
                1 => (0..40u16).prop_map(Op::Reserve),
                1 => Just(Op::Clear),
            ],
            0..400,
        )) {
            let mut map = IdMap::default();
            let mut model = std::collections::BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(map.insert(IdKey::new(&id(k)), v), model.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(map.remove(id(k).as_bytes()), model.remove(&k)),
                    Op::Reserve(n) => map.reserve(usize::from(n)),
                    Op::Clear => {
                        map.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(map.len(), model.len());
                prop_assert!(map.places.is_empty() || map.len() * 2 <= map.places.len());
                for k in 0..60 {
                    let id = id(k);
                    prop_assert_eq!(map.get(id.as_bytes()), model.get(&k).copied(), "{}", id);
                    prop_assert_eq!(map.get_hashed(id.as_bytes(), IdHash::of(id.as_bytes())), model.get(&k).copied());
                }
            }
        }
    }
}
