//! detc's on-disk cache: a *pack*, one file of entries (bytes) each keyed
//! by the [`Key`] (BLAKE3 hash) of the input it was computed from, for one
//! *fingerprint* (what computed it: detc's version and the code that
//! wrote the entries). `detc validate` and `detc build` keep the parse
//! trees of a content root's files in one, so that a repeat run parses
//! only the files that changed.
//!
//! A pack is never trusted blindly: [`Pack::open`] discards (and says
//! why) a file that is not a pack, was written for another fingerprint,
//! or whose checksum (BLAKE3 of the whole file) does not match; the entries
//! of a pack that opens are still checked by whoever decodes them.
//! [`write`] replaces a pack atomically (a file beside it, then a rename),
//! so a reader sees the old pack or the new one, never half of one, and two
//! runs at once leave one of their packs.
//!
//! Layout (integers little-endian): `DETCPACK`, format version (u32),
//! fingerprint (32 bytes), entry count (u64), then per entry its key (32
//! bytes), length (u32) and bytes; last, the BLAKE3 hash of everything
//! before it (32 bytes).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The hash an entry is found by: BLAKE3 of its input (32 bytes).
pub type Key = [u8; 32];

const MAGIC: &[u8; 8] = b"DETCPACK";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 32 + 8;
const ENTRY_HEAD: usize = 32 + 4;

/// The key of `input` (its BLAKE3 hash).
pub fn key(input: &[u8]) -> Key {
    *blake3::hash(input).as_bytes()
}

/// The fingerprint of what writes a pack's entries: the hash of each of
/// `parts` in turn (lengths included, so parts cannot run into each other).
/// Give every input that changes the entries' meaning, such as detc's
/// version and the source of the code that encodes them.
pub fn fingerprint(parts: &[&[u8]]) -> Key {
    let mut h = Parts::default();
    for p in parts {
        h.part(p);
    }
    h.finish()
}

/// [`fingerprint`] fed one part at a time, for parts that are not all at
/// hand at once: the same parts in the same order give the same key.
#[derive(Default)]
pub struct Parts(blake3::Hasher);

impl Parts {
    /// Adds one part (its length, then its bytes).
    pub fn part(&mut self, p: &[u8]) {
        self.0.update(&(p.len() as u64).to_le_bytes());
        self.0.update(p);
    }

    /// The key of the parts added.
    pub fn finish(&self) -> Key {
        *self.0.finalize().as_bytes()
    }
}

/// A pack read into memory: its entries by key.
#[derive(Debug, Default)]
pub struct Pack {
    bytes: Vec<u8>,
    /// Where each entry's bytes are in `bytes`.
    entries: HashMap<Key, (usize, usize)>,
}

/// Why [`Pack::open`] found no usable pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discarded {
    /// There is no pack yet (not worth a word).
    Missing,
    /// The file is there but was not used; the reason, for a warning
    /// (`not a detc cache`, `written by another detc version`, `corrupt
    /// (checksum mismatch)`, `cannot be read: ...`).
    Unusable(String),
}

impl Pack {
    /// Reads the pack at `path` written for `fingerprint`. An unusable
    /// file gives an empty pack and the reason; nothing is ever half read.
    pub fn open(path: &Path, fingerprint: &Key) -> (Pack, Option<Discarded>) {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Pack::default(), Some(Discarded::Missing));
            }
            Err(e) => {
                return (
                    Pack::default(),
                    Some(Discarded::Unusable(format!("cannot be read: {e}"))),
                );
            }
        };
        match Pack::parse(bytes, fingerprint) {
            Ok(p) => (p, None),
            Err(why) => (Pack::default(), Some(Discarded::Unusable(why.to_string()))),
        }
    }

    fn parse(bytes: Vec<u8>, fingerprint: &Key) -> Result<Pack, &'static str> {
        if bytes.len() < HEADER + 32 || !bytes.starts_with(MAGIC) {
            return Err("not a detc cache");
        }
        let u32_at = |i: usize| {
            bytes
                .get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
        };
        if u32_at(8) != Some(VERSION) || bytes.get(12..44) != Some(&fingerprint[..]) {
            return Err("written by another detc version");
        }
        let body = bytes.len() - 32;
        if blake3::hash(&bytes[..body]).as_bytes()[..] != bytes[body..] {
            return Err("corrupt (checksum mismatch)");
        }
        let count = bytes
            .get(44..52)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .ok_or("corrupt (truncated)")?;
        let mut entries = HashMap::with_capacity(count.min(1 << 20) as usize);
        let mut at = HEADER;
        for _ in 0..count {
            let k: Key = bytes
                .get(at..at + 32)
                .and_then(|b| b.try_into().ok())
                .ok_or("corrupt (truncated)")?;
            let len = u32_at(at + 32).ok_or("corrupt (truncated)")? as usize;
            let start = at + ENTRY_HEAD;
            let end = start
                .checked_add(len)
                .filter(|&e| e <= body)
                .ok_or("corrupt (truncated)")?;
            entries.insert(k, (start, end));
            at = end;
        }
        if at != body {
            return Err("corrupt (trailing bytes)");
        }
        Ok(Pack { bytes, entries })
    }

    /// The bytes stored for `key`, if any.
    pub fn get(&self, key: &Key) -> Option<&[u8]> {
        let &(s, e) = self.entries.get(key)?;
        self.bytes.get(s..e)
    }

    /// How many entries the pack holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pack holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Writes `entries` as the pack at `path` for `fingerprint`, replacing
/// any pack there atomically. Creates the pack's folder, with a
/// `.gitignore` that ignores all of it and a `CACHEDIR.TAG` (the Cache
/// Directory Tagging Specification, which backup tools honour), when it
/// does not exist. An entry longer than 4 GiB is left out.
///
/// # Errors
/// Any I/O error creating the folder or writing and renaming the file; the
/// old pack, if any, is then untouched. A folder that its permissions make
/// read-only (`chmod a-w`, a read-only checkout) is not written into even
/// by a user the system would let through, such as root: that is an
/// `PermissionDenied` error too.
pub fn write<'a>(
    path: &Path,
    fingerprint: &Key,
    entries: impl IntoIterator<Item = (&'a Key, &'a [u8])>,
) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_folder(dir)?;
    refuse_read_only(dir)?;
    let mut out: Vec<u8> = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(fingerprint);
    out.extend_from_slice(&0u64.to_le_bytes());
    let mut count = 0u64;
    for (k, bytes) in entries {
        let Ok(len) = u32::try_from(bytes.len()) else {
            continue;
        };
        out.extend_from_slice(k);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(bytes);
        count += 1;
    }
    out[44..52].copy_from_slice(&count.to_le_bytes());
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    let tmp = temp_beside(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(&out));
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Creates detc's cache folder `dir` when it does not exist, with a
/// `.gitignore` that ignores all of it and a `CACHEDIR.TAG` (the Cache
/// Directory Tagging Specification, which backup tools honour). A folder
/// whose parent its permissions make read-only is not created (see
/// [`write`]).
///
/// # Errors
/// Any I/O error; `PermissionDenied` for a read-only parent.
pub fn ensure_folder(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    refuse_read_only(dir.parent().unwrap_or(Path::new(".")))?;
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(".gitignore"), "# Written by detc: its cache.\n*\n")?;
    std::fs::write(
        dir.join("CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n# This file marks detc's cache folder (https://bford.info/cachedir/).\n",
    )
}

/// `PermissionDenied` when `dir`'s permissions make it read-only, whoever
/// runs detc (root may write anyway; detc does not).
fn refuse_read_only(dir: &Path) -> std::io::Result<()> {
    if std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("`{}` is read-only", dir.display()),
        ));
    }
    Ok(())
}

/// A name beside `path` that no other process uses at the same time.
fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(s: &str) -> Key {
        fingerprint(&[s.as_bytes()])
    }

    #[test]
    fn entries_come_back_for_the_same_fingerprint_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join("parse.pack");
        let (a, b) = (key(b"a: 1\n"), key(b"b: 2\n"));
        write(&path, &fp("v1"), [(&a, &b"AAA"[..]), (&b, &b""[..])]).unwrap();
        let (p, why) = Pack::open(&path, &fp("v1"));
        assert_eq!(why, None);
        assert_eq!(
            (p.get(&a), p.get(&b), p.len()),
            (Some(&b"AAA"[..]), Some(&b""[..]), 2)
        );
        assert_eq!(p.get(&key(b"c")), None);
        let ignore = std::fs::read_to_string(dir.path().join("cache/.gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
        let (p, why) = Pack::open(&path, &fp("v2"));
        assert!(p.is_empty());
        assert_eq!(
            why,
            Some(Discarded::Unusable(
                "written by another detc version".into()
            ))
        );
        let (_, why) = Pack::open(&dir.path().join("none"), &fp("v1"));
        assert_eq!(why, Some(Discarded::Missing));
    }

    /// Every single-byte change and every truncation of a pack is found
    /// (the checksum covers all of it): no entry is ever read from one.
    #[test]
    fn a_damaged_pack_is_discarded_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parse.pack");
        let k = key(b"x");
        write(&path, &fp("v1"), [(&k, &b"entry bytes"[..])]).unwrap();
        let good = std::fs::read(&path).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x20;
            std::fs::write(&path, &bad).unwrap();
            let (p, why) = Pack::open(&path, &fp("v1"));
            assert!(
                p.is_empty() && matches!(why, Some(Discarded::Unusable(_))),
                "byte {i}"
            );
        }
        for n in 0..good.len() {
            std::fs::write(&path, &good[..n]).unwrap();
            let (p, why) = Pack::open(&path, &fp("v1"));
            assert!(
                p.is_empty() && matches!(why, Some(Discarded::Unusable(_))),
                "length {n}"
            );
        }
        std::fs::write(&path, b"DETCPACK garbage").unwrap();
        let (_, why) = Pack::open(&path, &fp("v1"));
        assert_eq!(why, Some(Discarded::Unusable("not a detc cache".into())));
    }

    /// A read-only folder is left alone, even by root (who runs the tests).
    #[test]
    fn a_read_only_folder_is_not_written_into() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("content");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o555)).unwrap();
        let k = key(b"x");
        let e = write(
            &root.join(".detc-cache/parse.pack"),
            &fp("v1"),
            [(&k, &b"x"[..])],
        );
        assert_eq!(
            e.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::PermissionDenied)
        );
        assert!(!root.join(".detc-cache").exists());
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_the_old_pack() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("parse.pack");
        let k = key(b"x");
        write(&path, &fp("v1"), [(&k, &b"old"[..])]).unwrap();
        // The temporary file's name taken by a folder: the write fails.
        std::fs::create_dir(temp_beside(&path)).unwrap();
        assert!(write(&path, &fp("v1"), [(&k, &b"new"[..])]).is_err());
        let (p, _) = Pack::open(&path, &fp("v1"));
        assert_eq!(p.get(&k), Some(&b"old"[..]));
    }
}
