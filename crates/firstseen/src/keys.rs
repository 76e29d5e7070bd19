//! A compact table of keys with their first and last seen times.
//!
//! Keys live in one byte arena (each key field as a 4-byte little-endian
//! length and its UTF-8 bytes), entries in one vector, and a hash index of
//! entry numbers: about 32 bytes plus the key's length per key, so 10 million
//! keys fit well under the 1.5 GB budget. Entry order is insertion order,
//! which keeps written state stable from run to run.

use hashbrown::HashTable;
use hashbrown::DefaultHashBuilder;
use std::hash::BuildHasher;

/// First and last time a key was seen, epoch seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seen {
    /// Earliest time, epoch seconds.
    pub first: f64,
    /// Latest time, epoch seconds.
    pub last: f64,
}

impl Seen {
    /// Widens `self` to cover `other`.
    pub fn merge(&mut self, other: Seen) {
        if other.first < self.first {
            self.first = other.first;
        }
        if other.last > self.last {
            self.last = other.last;
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    off: usize,
    len: u32,
    seen: Seen,
}

/// Keys (encoded with [`encode_key`]) mapped to [`Seen`].
#[derive(Default)]
pub struct KeyTable {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable").field("len", &self.entries.len()).finish()
    }
}

/// Appends an encoded key (every value as u32 LE length + bytes) to `buf`.
pub fn encode_key<'a>(buf: &mut Vec<u8>, values: impl IntoIterator<Item = &'a str>) {
    for v in values {
        buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
        buf.extend_from_slice(v.as_bytes());
    }
}

/// The values of an encoded key, in key-field order.
pub fn key_values(mut key: &[u8]) -> impl Iterator<Item = &str> {
    std::iter::from_fn(move || {
        let (len, rest) = key.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let (v, rest) = rest.split_at_checked(len)?;
        key = rest;
        // Keys are only ever built from &str by encode_key.
        std::str::from_utf8(v).ok()
    })
}

impl KeyTable {
    /// An empty table with room for `n` keys.
    pub fn with_capacity(n: usize) -> KeyTable {
        KeyTable {
            arena: Vec::with_capacity(n * 24),
            entries: Vec::with_capacity(n),
            index: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes used by the arena, entries and index (approximate), for benchmarks.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() + self.entries.capacity() * std::mem::size_of::<Entry>() + self.index.capacity() * 5
    }

    /// The entry number of `key`, if present.
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let h = self.hasher.hash_one(key);
        self.index.find(h, |&i| self.key(i) == key).copied()
    }

    /// Inserts `key` with `seen`, or widens its existing times. Returns its
    /// entry number and whether it was new.
    ///
    /// # Errors
    /// More than 4,294,967,295 keys, or a key longer than 4 GiB.
    pub fn upsert(&mut self, key: &[u8], seen: Seen) -> Result<(u32, bool), String> {
        let h = self.hasher.hash_one(key);
        let (arena, entries) = (&self.arena, &mut self.entries);
        if let Some(&i) = self.index.find(h, |&i| {
            let e = &entries[i as usize];
            &arena[e.off..e.off + e.len as usize] == key
        }) {
            entries[i as usize].seen.merge(seen);
            return Ok((i, false));
        }
        let i = u32::try_from(self.entries.len()).map_err(|_| "more than 4 billion keys".to_string())?;
        let len = u32::try_from(key.len()).map_err(|_| "a key longer than 4 GiB".to_string())?;
        self.entries.push(Entry { off: self.arena.len(), len, seen });
        self.arena.extend_from_slice(key);
        let (arena, entries, hasher) = (&self.arena, &self.entries, &self.hasher);
        self.index.insert_unique(h, i, |&j| {
            let e = &entries[j as usize];
            hasher.hash_one(&arena[e.off..e.off + e.len as usize])
        });
        Ok((i, true))
    }

    /// The encoded key of entry `i` (empty if out of range).
    pub fn key(&self, i: u32) -> &[u8] {
        self.entries
            .get(i as usize)
            .and_then(|e| self.arena.get(e.off..e.off + e.len as usize))
            .unwrap_or_default()
    }

    /// The times of entry `i`.
    pub fn seen(&self, i: u32) -> Option<Seen> {
        self.entries.get(i as usize).map(|e| e.seen)
    }

    /// Every entry in insertion order: (encoded key, times).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Seen)> {
        self.entries.iter().map(|e| (&self.arena[e.off..e.off + e.len as usize], e.seen))
    }

    /// The earliest first-seen time of all keys.
    pub fn earliest(&self) -> Option<f64> {
        self.entries.iter().map(|e| e.seen.first).reduce(f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(vals: &[&str]) -> Vec<u8> {
        let mut b = Vec::new();
        encode_key(&mut b, vals.iter().copied());
        b
    }

    #[test]
    fn upsert_merges_min_first_max_last() {
        let mut t = KeyTable::default();
        let k = key(&["alice", "ListBuckets"]);
        assert_eq!(t.upsert(&k, Seen { first: 10.0, last: 20.0 }).unwrap(), (0, true));
        assert_eq!(t.upsert(&k, Seen { first: 5.0, last: 15.0 }).unwrap(), (0, false));
        assert_eq!(t.upsert(&k, Seen { first: 12.0, last: 30.0 }).unwrap(), (0, false));
        assert_eq!(t.seen(0), Some(Seen { first: 5.0, last: 30.0 }));
        assert_eq!(t.earliest(), Some(5.0));
    }

    #[test]
    fn field_boundaries_are_part_of_the_key() {
        let mut t = KeyTable::default();
        t.upsert(&key(&["ab", "c"]), Seen { first: 1.0, last: 1.0 }).unwrap();
        let (_, new) = t.upsert(&key(&["a", "bc"]), Seen { first: 1.0, last: 1.0 }).unwrap();
        assert!(new);
        let vals: Vec<&str> = key_values(t.key(1)).collect();
        assert_eq!(vals, ["a", "bc"]);
        assert_eq!(t.find(&key(&["ab", "c"])), Some(0));
        assert_eq!(t.find(&key(&["abc", ""])), None);
    }

    #[test]
    fn many_keys_keep_insertion_order() {
        let mut t = KeyTable::with_capacity(4);
        for i in 0..10_000 {
            t.upsert(&key(&[&format!("u{i}")]), Seen { first: i as f64, last: i as f64 }).unwrap();
        }
        assert_eq!(t.len(), 10_000);
        let firsts: Vec<f64> = t.iter().map(|(_, s)| s.first).take(3).collect();
        assert_eq!(firsts, [0.0, 1.0, 2.0]);
        assert_eq!(t.find(&key(&["u9999"])), Some(9999));
    }
}
