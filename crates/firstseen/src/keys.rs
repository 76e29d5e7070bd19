//! A compact table of keys with their first and last seen times.
//!
//! Keys live in one byte arena (each key field as a 4-byte little-endian
//! length and its UTF-8 bytes), entries in one vector, and a hash index of
//! entry numbers: about 24 bytes plus the key's length per key, so 10 million
//! keys (about 55 bytes each) fit well under the 1.5 GB budget. Entry order is insertion order,
//! which keeps written state stable from run to run.

use crate::error::Error;

/// The message of a state that outgrows 32-bit offsets.
const TOO_MANY: &str =
    "more than 4 GiB of keys in one state; use retention= or more specific lookups";
use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;
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
    /// Offset of the key in the arena (the arena is limited to 4 GiB).
    off: u32,
    len: u32,
    seen: Seen,
    /// When and by which search the key was reported as new.
    reported: Report,
}

/// [`Report::time`] of a key never reported as new.
pub const NEVER: f64 = -1.0;

/// Which search reported a key as new: the state's `reportedTime` and
/// `reportedBy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// The reference time (epoch seconds: the search's latest time, or
    /// now) of the search that reported the key, or [`NEVER`].
    pub time: f64,
    /// That search: [`search_id`] of its search string, or 0 when unknown
    /// (a state written before firstseen kept it, `firstseen run`).
    pub by: u64,
}

impl Report {
    /// Never reported.
    pub const NONE: Report = Report { time: NEVER, by: 0 };

    /// Whether the key was reported at all.
    pub fn happened(&self) -> bool {
        self.time >= 0.0
    }

    /// Whether the search `by` (reference time `time`) may report the key
    /// again: it was never reported, or reported by a search over the same
    /// time range that is, as far as the state can tell, this same search
    /// (an analyst's re-run). Another search with the same time range (a
    /// second detection on the same schedule, a concurrent run on another
    /// search head) may not.
    pub fn allows(&self, time: f64, by: u64) -> bool {
        !self.happened() || (self.time == time && (self.by == 0 || by == 0 || self.by == by))
    }
}

/// The identity firstseen keeps of a search in `reportedBy`: the first 8
/// bytes of the SHA-256 of its search string (getinfo's
/// `searchinfo.search`), big-endian; 0 is kept for "unknown", so a hash of 0
/// becomes 1.
pub fn search_id(search: &str) -> u64 {
    use sha2::{Digest, Sha256};
    if search.is_empty() {
        return 0;
    }
    let d = Sha256::digest(search.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_be_bytes(b).max(1)
}

/// `reportedBy` as written in a state: 16 lowercase hex digits, empty for 0.
pub fn format_search_id(by: u64) -> String {
    if by == 0 {
        String::new()
    } else {
        format!("{by:016x}")
    }
}

/// Reads `reportedBy` (16 hex digits; empty is 0); `None` for anything else.
pub fn parse_search_id(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() {
        return Some(0);
    }
    if v.len() != 16 {
        return None;
    }
    u64::from_str_radix(v, 16).ok()
}

impl Entry {
    fn range(&self) -> std::ops::Range<usize> {
        self.off as usize..self.off as usize + self.len as usize
    }
}

/// Spreads a stored 32-bit hash over 64 bits for the index (hashbrown uses
/// the top bits as tags and the low bits as buckets).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Keys (encoded with [`encode_key`]) mapped to [`Seen`].
///
/// Two ways in: [`KeyTable::upsert`] keeps keys unique through a hash index;
/// [`KeyTable::push`] appends without one (loading a state file, where keys
/// are already unique), and such a table is merged with a search's keys by
/// [`KeyTable::merge_from`], one pass that never builds an index over the
/// big table.
#[derive(Default)]
pub struct KeyTable {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    /// (entry number, low 32 bits of the key's hash): growing the index never re-hashes keys.
    index: HashTable<(u32, u32)>,
    /// Entries `[..indexed]` are in `index`; later ones were pushed unindexed.
    indexed: usize,
    hasher: DefaultHashBuilder,
}

impl std::fmt::Debug for KeyTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("len", &self.entries.len())
            .finish()
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
    /// An empty table with room for `n` keys of about `key_bytes` bytes each.
    pub fn with_capacity(n: usize, key_bytes: usize) -> KeyTable {
        KeyTable {
            arena: Vec::with_capacity(n * key_bytes),
            entries: Vec::with_capacity(n),
            index: HashTable::new(),
            indexed: 0,
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

    /// The entry number of `key`, if present (unindexed entries are scanned).
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let h = self.hasher.hash_one(key) as u32;
        self.index
            .find(spread(h), |&(i, hi)| hi == h && self.key(i) == key)
            .map(|&(i, _)| i)
            .or_else(|| {
                (self.indexed..self.entries.len())
                    .map(|i| i as u32)
                    .find(|&i| self.key(i) == key)
            })
    }

    /// Appends `key` without checking whether it is already present.
    ///
    /// # Errors
    /// More than 4,294,967,295 keys, or a key longer than 4 GiB.
    pub fn push(&mut self, key: &[u8], seen: Seen) -> Result<u32, Error> {
        let (i, off, len) = self.room(key)?;
        self.entries.push(Entry {
            off,
            len,
            seen,
            reported: Report::NONE,
        });
        self.arena.extend_from_slice(key);
        Ok(i)
    }

    /// Entry number, arena offset and length for a new key.
    fn room(&self, key: &[u8]) -> Result<(u32, u32, u32), Error> {
        let too_many = || Error::limit(TOO_MANY);
        let i = u32::try_from(self.entries.len()).map_err(|_| too_many())?;
        let off = u32::try_from(self.arena.len()).map_err(|_| too_many())?;
        let len = u32::try_from(key.len()).map_err(|_| too_many())?;
        off.checked_add(len).ok_or_else(too_many)?;
        Ok((i, off, len))
    }

    /// Reserves room for about `keys` more keys of `bytes` bytes in all.
    pub fn reserve(&mut self, keys: usize, bytes: usize) {
        self.entries.reserve(keys);
        self.arena.reserve(bytes);
    }

    /// Appends every entry of `other`, unindexed.
    ///
    /// # Errors
    /// More than 4,294,967,295 keys in all.
    pub fn append(&mut self, other: KeyTable) -> Result<(), Error> {
        let base = self.arena.len();
        if self.entries.len() + other.entries.len() > u32::MAX as usize
            || base + other.arena.len() > u32::MAX as usize
        {
            return Err(Error::limit(TOO_MANY));
        }
        self.arena.extend_from_slice(&other.arena);
        drop(other.arena);
        let base = base as u32;
        self.entries.extend(other.entries.iter().map(|e| Entry {
            off: e.off + base,
            ..*e
        }));
        Ok(())
    }

    fn index_rest(&mut self) {
        let start = self.indexed;
        self.index
            .reserve(self.entries.len() - start, |&(_, h)| spread(h));
        for i in start..self.entries.len() {
            let h = self.hasher.hash_one(&self.arena[self.entries[i].range()]) as u32;
            self.index
                .insert_unique(spread(h), (i as u32, h), |&(_, h)| spread(h));
        }
        self.indexed = self.entries.len();
    }

    /// Merges `search`'s keys into this table in one pass over it: every
    /// entry whose key is in `search` is widened, then keys not found are
    /// appended. Returns, for each entry of `search` in order, its merged
    /// times. Duplicate keys in this table (a hand-edited or foreign lookup)
    /// are all widened to the same merged times.
    ///
    /// # Errors
    /// More than 4,294,967,295 keys.
    pub fn merge_from(&mut self, search: &KeyTable) -> Result<Vec<Seen>, Error> {
        Ok(self.merge_from_indexed(search)?.0)
    }

    /// [`KeyTable::merge_from`], also returning, for each key of `search`,
    /// its entry number in `self` (for [`KeyTable::reported`]).
    ///
    /// # Errors
    /// As [`KeyTable::push`].
    pub fn merge_from_indexed(
        &mut self,
        search: &KeyTable,
    ) -> Result<(Vec<Seen>, Vec<u32>), Error> {
        let mut merged: Vec<Seen> = search.entries.iter().map(|e| e.seen).collect();
        let mut at: Vec<u32> = vec![u32::MAX; merged.len()];
        let mut matches: Vec<(usize, u32)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if let Some(j) = search.find(&self.arena[e.range()]) {
                merged[j as usize].merge(e.seen);
                if at[j as usize] == u32::MAX {
                    at[j as usize] = i as u32;
                }
                matches.push((i, j));
            }
        }
        for (i, j) in matches {
            self.entries[i].seen = merged[j as usize];
        }
        for j in 0..at.len() {
            if at[j] == u32::MAX {
                at[j] = self.push(search.key(j as u32), merged[j])?;
            }
        }
        Ok((merged, at))
    }

    /// When and by which search entry `i` was reported as new.
    pub fn reported(&self, i: u32) -> Report {
        self.entries
            .get(i as usize)
            .map_or(Report::NONE, |e| e.reported)
    }

    /// Records that entry `i` was reported as new (`r`).
    pub fn set_reported(&mut self, i: u32, r: Report) {
        if let Some(e) = self.entries.get_mut(i as usize) {
            e.reported = r;
        }
    }

    /// Inserts `key` with `seen`, or widens its existing times. Returns its
    /// entry number and whether it was new.
    ///
    /// # Errors
    /// More than 4,294,967,295 keys, or a key longer than 4 GiB.
    pub fn upsert(&mut self, key: &[u8], seen: Seen) -> Result<(u32, bool), Error> {
        if self.indexed < self.entries.len() {
            self.index_rest();
        }
        let h = self.hasher.hash_one(key) as u32;
        let (arena, entries) = (&self.arena, &mut self.entries);
        if let Some(&(i, _)) = self.index.find(spread(h), |&(i, hi)| {
            hi == h && &arena[entries[i as usize].range()] == key
        }) {
            entries[i as usize].seen.merge(seen);
            return Ok((i, false));
        }
        let (i, off, len) = self.room(key)?;
        self.entries.push(Entry {
            off,
            len,
            seen,
            reported: Report::NONE,
        });
        self.arena.extend_from_slice(key);
        self.index
            .insert_unique(spread(h), (i, h), |&(_, h)| spread(h));
        self.indexed = self.entries.len();
        Ok((i, true))
    }

    /// The encoded key of entry `i` (empty if out of range).
    pub fn key(&self, i: u32) -> &[u8] {
        self.entries
            .get(i as usize)
            .and_then(|e| self.arena.get(e.range()))
            .unwrap_or_default()
    }

    /// The times of entry `i`.
    pub fn seen(&self, i: u32) -> Option<Seen> {
        self.entries.get(i as usize).map(|e| e.seen)
    }

    /// Every entry in insertion order: (encoded key, times).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Seen)> {
        self.entries
            .iter()
            .map(|e| (&self.arena[e.range()], e.seen))
    }

    /// Every key with its times and when it was reported as new.
    pub fn iter_reported(&self) -> impl Iterator<Item = (&[u8], Seen, Report)> {
        self.entries
            .iter()
            .map(|e| (&self.arena[e.range()], e.seen, e.reported))
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
        assert_eq!(
            t.upsert(
                &k,
                Seen {
                    first: 10.0,
                    last: 20.0
                }
            )
            .unwrap(),
            (0, true)
        );
        assert_eq!(
            t.upsert(
                &k,
                Seen {
                    first: 5.0,
                    last: 15.0
                }
            )
            .unwrap(),
            (0, false)
        );
        assert_eq!(
            t.upsert(
                &k,
                Seen {
                    first: 12.0,
                    last: 30.0
                }
            )
            .unwrap(),
            (0, false)
        );
        assert_eq!(
            t.seen(0),
            Some(Seen {
                first: 5.0,
                last: 30.0
            })
        );
        assert_eq!(t.earliest(), Some(5.0));
    }

    #[test]
    fn field_boundaries_are_part_of_the_key() {
        let mut t = KeyTable::default();
        t.upsert(
            &key(&["ab", "c"]),
            Seen {
                first: 1.0,
                last: 1.0,
            },
        )
        .unwrap();
        let (_, new) = t
            .upsert(
                &key(&["a", "bc"]),
                Seen {
                    first: 1.0,
                    last: 1.0,
                },
            )
            .unwrap();
        assert!(new);
        let vals: Vec<&str> = key_values(t.key(1)).collect();
        assert_eq!(vals, ["a", "bc"]);
        assert_eq!(t.find(&key(&["ab", "c"])), Some(0));
        assert_eq!(t.find(&key(&["abc", ""])), None);
    }

    #[test]
    fn merge_from_widens_matches_and_appends_the_rest() {
        let mut state = KeyTable::default();
        state
            .push(
                &key(&["a"]),
                Seen {
                    first: 1.0,
                    last: 5.0,
                },
            )
            .unwrap();
        state
            .push(
                &key(&["b"]),
                Seen {
                    first: 2.0,
                    last: 3.0,
                },
            )
            .unwrap();
        state
            .push(
                &key(&["a"]),
                Seen {
                    first: 0.5,
                    last: 4.0,
                },
            )
            .unwrap(); // a duplicate row
        let mut search = KeyTable::default();
        search
            .upsert(
                &key(&["c"]),
                Seen {
                    first: 10.0,
                    last: 11.0,
                },
            )
            .unwrap();
        search
            .upsert(
                &key(&["a"]),
                Seen {
                    first: 9.0,
                    last: 12.0,
                },
            )
            .unwrap();
        let merged = state.merge_from(&search).unwrap();
        assert_eq!(
            merged,
            [
                Seen {
                    first: 10.0,
                    last: 11.0
                },
                Seen {
                    first: 0.5,
                    last: 12.0
                }
            ]
        );
        let all: Vec<(Vec<&str>, Seen)> = state
            .iter()
            .map(|(k, s)| (key_values(k).collect(), s))
            .collect();
        assert_eq!(all.len(), 4);
        assert_eq!(
            all[0],
            (
                vec!["a"],
                Seen {
                    first: 0.5,
                    last: 12.0
                }
            )
        );
        assert_eq!(
            all[2],
            (
                vec!["a"],
                Seen {
                    first: 0.5,
                    last: 12.0
                }
            )
        );
        assert_eq!(
            all[3],
            (
                vec!["c"],
                Seen {
                    first: 10.0,
                    last: 11.0
                }
            )
        );
        // upsert after unindexed pushes still finds them.
        assert_eq!(
            state
                .upsert(
                    &key(&["b"]),
                    Seen {
                        first: 2.0,
                        last: 2.0
                    }
                )
                .unwrap(),
            (1, false)
        );
        let mut other = KeyTable::default();
        other
            .push(
                &key(&["z"]),
                Seen {
                    first: 1.0,
                    last: 1.0,
                },
            )
            .unwrap();
        state.append(other).unwrap();
        assert_eq!(state.find(&key(&["z"])), Some(4));
    }

    #[test]
    fn many_keys_keep_insertion_order() {
        let mut t = KeyTable::with_capacity(4, 8);
        for i in 0..10_000 {
            t.upsert(
                &key(&[&format!("u{i}")]),
                Seen {
                    first: i as f64,
                    last: i as f64,
                },
            )
            .unwrap();
        }
        assert_eq!(t.len(), 10_000);
        let firsts: Vec<f64> = t.iter().map(|(_, s)| s.first).take(3).collect();
        assert_eq!(firsts, [0.0, 1.0, 2.0]);
        assert_eq!(t.find(&key(&["u9999"])), Some(9999));
    }
}
