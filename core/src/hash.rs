//! A deterministic hasher for the engine's and the replay's lookup tables.
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

impl std::borrow::Borrow<[u8]> for IdKey {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl std::hash::Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As the borrowed form hashes, so lookups by bytes find it.
        self.as_bytes().hash(state);
    }
}

/// Ids to slot numbers.
pub(crate) type IdMap = FastMap<IdKey, u32>;

#[cfg(test)]
mod tests {
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
            assert_eq!(map.get(id.as_bytes()), Some(&(i as u32)), "{id}");
        }
        // A prefix or an extension of a stored id is a different id.
        assert_eq!(map.get(&b"t"[..]), None);
        assert_eq!(map.get(&b"t12"[..]), None);
        assert_eq!(map.get(&long.as_bytes()[..INLINE_ID]), None);
        assert_eq!(map.remove(&b"t1"[..]), Some(1));
        assert_eq!(map.get(&b"t1"[..]), None);
    }
}
