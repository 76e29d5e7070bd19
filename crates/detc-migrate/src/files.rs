//! Putting migrated files on disk: finding the content root, copying it to
//! a new folder for `--out`, and writing the changes (with their renames).

use crate::Change;
use std::fmt;
use std::path::{Path, PathBuf};

/// A file-system failure while migrating, naming the path and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError {
    /// The message, e.g. ``cannot write `stories/x.yml`: Permission denied``.
    pub message: String,
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApplyError {}

fn err(message: String) -> ApplyError {
    ApplyError { message }
}

/// The content root holding `path` and, when `path` is a file below it,
/// that file relative to the root (`/`-separated). A folder is taken as the
/// root itself; for a file, the nearest folder above it with a
/// `contentctl.yml` is. `None` when `path` does not exist or no folder
/// above the file has a `contentctl.yml`.
pub fn content_root(path: &Path) -> Option<(PathBuf, Option<String>)> {
    let abs = std::fs::canonicalize(path).ok()?;
    if abs.is_dir() {
        return Some((abs, None));
    }
    let mut dir = abs.parent()?;
    loop {
        if dir.join("contentctl.yml").is_file() {
            let rel = abs
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            return Some((dir.to_path_buf(), Some(rel)));
        }
        dir = dir.parent()?;
    }
}

/// Copies the content root `root` into `dir` for `detc migrate --out DIR`:
/// every folder and regular file (symbolic links are not followed).
///
/// # Errors
/// `dir` exists and is not empty (nothing is copied then: migrating must
/// not mix into other files), or a file cannot be read or written.
pub fn copy_root(root: &Path, dir: &Path) -> Result<(), ApplyError> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(err(format!(
            "`{}` exists and is not empty; pass a new folder to --out",
            dir.display()
        )));
    }
    let copy = || -> std::io::Result<()> {
        for e in walkdir::WalkDir::new(root).follow_links(false) {
            let e = e.map_err(std::io::Error::other)?;
            let rel = e.path().strip_prefix(root).map_err(std::io::Error::other)?;
            let dest = dir.join(rel);
            if e.file_type().is_dir() {
                std::fs::create_dir_all(&dest)?;
            } else if e.file_type().is_file() {
                std::fs::copy(e.path(), &dest)?;
            }
        }
        Ok(())
    };
    copy().map_err(|e| {
        err(format!(
            "cannot copy `{}` to `{}`: {e}",
            root.display(),
            dir.display()
        ))
    })
}

/// Folders contentctl 5.6.2 requires in a content root, content or not.
pub const REQUIRED_5X_FOLDERS: &[&str] = &["playbooks", "removed"];

/// Writes every change under `target` (a content root), each file's text
/// first and then its renames, in order; creates each of
/// [`REQUIRED_5X_FOLDERS`] (with a `.gitkeep`) that is missing.
///
/// # Errors
/// The first file that cannot be written or renamed; the changes before it
/// are on disk, the ones after it are not.
pub fn write_changes(changes: &[Change], target: &Path) -> Result<(), ApplyError> {
    // contentctl 5 reads `playbooks/` and `removed/` and refuses a root
    // without them, even empty; a `.gitkeep` keeps an empty folder in git.
    for dir in REQUIRED_5X_FOLDERS {
        let dir = target.join(dir);
        if !changes.is_empty() && !dir.exists() {
            std::fs::create_dir_all(&dir)
                .and_then(|_| std::fs::write(dir.join(".gitkeep"), ""))
                .map_err(|e| err(format!("cannot create `{}`: {e}", dir.display())))?;
        }
    }
    for c in changes {
        let dest = target.join(&c.path);
        std::fs::write(&dest, &c.text)
            .map_err(|e| err(format!("cannot write `{}`: {e}", dest.display())))?;
        for (from, to) in &c.renames {
            std::fs::rename(target.join(from), target.join(to))
                .map_err(|e| err(format!("cannot rename `{from}` to `{to}`: {e}")))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_finds_the_root_above_it_and_a_folder_is_the_root() {
        let t = tempfile::tempdir().expect("tempdir");
        let root = t.path().join("content");
        std::fs::create_dir_all(root.join("stories/sub")).expect("mkdir");
        std::fs::write(root.join("contentctl.yml"), "app: {}\n").expect("write");
        std::fs::write(root.join("stories/sub/s.yml"), "name: s\n").expect("write");
        let canon = std::fs::canonicalize(&root).expect("canonicalize");
        assert_eq!(
            content_root(&root.join("stories/sub/s.yml")),
            Some((canon.clone(), Some("stories/sub/s.yml".to_string())))
        );
        assert_eq!(content_root(&root), Some((canon, None)));
        assert_eq!(content_root(&root.join("missing.yml")), None);
        let outside = t.path().join("loose.yml");
        std::fs::write(&outside, "name: x\n").expect("write");
        // No contentctl.yml above it (unless the temp folder has one).
        if !t
            .path()
            .ancestors()
            .any(|a| a.join("contentctl.yml").is_file())
        {
            assert_eq!(content_root(&outside), None);
        }
    }

    #[test]
    fn copy_root_refuses_a_folder_with_files_and_copies_into_a_new_one() {
        let t = tempfile::tempdir().expect("tempdir");
        let root = t.path().join("content");
        std::fs::create_dir_all(root.join("lookups")).expect("mkdir");
        std::fs::write(root.join("lookups/a.csv"), "x\n1\n").expect("write");
        let busy = t.path().join("busy");
        std::fs::create_dir_all(&busy).expect("mkdir");
        std::fs::write(busy.join("keep.txt"), "mine").expect("write");
        let e = copy_root(&root, &busy).expect_err("a folder with files is refused");
        assert!(e.message.contains("exists and is not empty"), "{e}");
        assert!(!busy.join("lookups").exists());
        let fresh = t.path().join("fresh");
        copy_root(&root, &fresh).expect("copy");
        assert_eq!(
            std::fs::read_to_string(fresh.join("lookups/a.csv")).expect("read"),
            "x\n1\n"
        );
    }

    #[test]
    fn write_changes_writes_then_renames_and_names_a_failing_path() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(t.path().join("lookups")).expect("mkdir");
        std::fs::write(t.path().join("lookups/old.csv"), "a\n").expect("write");
        let change = Change {
            path: "lookups/l.yml".into(),
            text: "name: l\n".into(),
            renames: vec![("lookups/old.csv".into(), "lookups/l.csv".into())],
            notes: Vec::new(),
        };
        write_changes(std::slice::from_ref(&change), t.path()).expect("write");
        assert_eq!(
            std::fs::read_to_string(t.path().join("lookups/l.yml")).expect("read"),
            "name: l\n"
        );
        assert!(t.path().join("lookups/l.csv").is_file());
        assert!(!t.path().join("lookups/old.csv").exists());
        let missing = Change {
            path: "nowhere/x.yml".into(),
            ..change
        };
        let e = write_changes(&[missing], t.path()).expect_err("no such folder");
        assert!(e.message.starts_with("cannot write `"), "{e}");
        assert!(e.message.contains("nowhere/x.yml"), "{e}");
    }
}
