//! What the paths on the command line point at: the content root (found
//! upward from each path, as git finds its repository), the files or
//! folders inside it to report on, and how to show paths relative to the
//! folder the command runs in.

use std::path::{Component, Path, PathBuf};

/// The file that marks a content root.
pub const ROOT_MARKER: &str = "contentctl.yml";

/// A content root and what of it to report on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// The content root (canonical).
    pub root: PathBuf,
    /// Files or folders relative to the root, `/`-separated, whose
    /// diagnostics are reported; `None` for the whole root.
    pub selection: Option<Vec<String>>,
}

impl Targets {
    /// Whether a diagnostic in the file at `path` (relative to the root,
    /// `/`-separated) is reported.
    pub fn selects(&self, path: &str) -> bool {
        match &self.selection {
            None => true,
            Some(sel) => sel.iter().any(|s| {
                path == s
                    || path
                        .strip_prefix(s.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }),
        }
    }
}

/// The nearest folder at or above `path` (a file or a folder) that holds
/// `contentctl.yml`.
///
/// # Errors
/// A path that does not exist, or no such folder up to the file system's
/// root; the message says what to pass.
pub fn content_root(path: &Path) -> Result<PathBuf, String> {
    let abs = path
        .canonicalize()
        .map_err(|e| format!("`{}`: {e}", path.display()))?;
    let start = if abs.is_dir() {
        abs.as_path()
    } else {
        abs.parent().unwrap_or(&abs)
    };
    start
        .ancestors()
        .find(|d| d.join(ROOT_MARKER).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no {ROOT_MARKER} in `{}` or any folder above it\nhelp: pass a content file or folder of a repository in the security_content layout (the content root holds {ROOT_MARKER})",
                path.display()
            )
        })
}

/// Resolves the command line's paths: one content root for all of them,
/// and the parts of it they name (`None` when one of them is the root).
///
/// # Errors
/// A path without a content root, or paths in two content roots (run detc
/// once per root).
pub fn resolve(paths: &[PathBuf]) -> Result<Targets, String> {
    let mut root: Option<PathBuf> = None;
    let mut selection = Some(Vec::new());
    for p in paths {
        let r = content_root(p)?;
        match &root {
            Some(prev) if *prev != r => {
                return Err(format!(
                    "the paths belong to two content roots, `{}` and `{}`\nhelp: run detc once per content root",
                    prev.display(),
                    r.display()
                ));
            }
            _ => root = Some(r.clone()),
        }
        let abs = p
            .canonicalize()
            .map_err(|e| format!("`{}`: {e}", p.display()))?;
        let rel = slash_path(abs.strip_prefix(&r).unwrap_or(Path::new("")));
        match (&mut selection, rel.is_empty()) {
            (_, true) => selection = None,
            (Some(sel), false) => sel.push(rel),
            (None, false) => {}
        }
    }
    let root = match root {
        Some(r) => r,
        None => content_root(Path::new("."))?,
    };
    Ok(Targets { root, selection })
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `to` as seen from `from` (both absolute): `content`, `..`, `../other`,
/// or `` when they are the same folder; `to` itself when they share no
/// prefix. `/`-separated.
pub fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.to_string_lossy().into_owned();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Shows the content's root-relative paths relative to the current folder
/// (see [`relative`]) when it is the content root, a folder above it
/// (`content/detections/x.yml`) or a folder inside it (`x.yml` run from
/// `detections/`, `../macros/m.yml`), as git shows paths. Run from anywhere
/// else, or when the current folder cannot be known, paths stay relative
/// to the content root.
pub fn show_from_cwd(sources: &mut detc_diag::SourceMap, root: &Path) {
    if let Some((cwd, root)) = related_cwd(root)
        && cwd != root
    {
        sources.map_paths(|p| relative(&cwd, &root.join(p)));
    }
}

/// The current folder and `root`, both canonical, when one holds the other
/// (the only case where paths are shown relative to the current folder);
/// `None` otherwise or when the current folder cannot be known.
fn related_cwd(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .ok()?;
    (root.starts_with(&cwd) || cwd.starts_with(&root)).then_some((cwd, root))
}

/// The content root as seen from the current folder, for paths the
/// command prints: `` at the root, `content` above it, `..` inside it
/// (as [`show_from_cwd`] shows diagnostics); the root's absolute path from
/// anywhere else.
pub fn shown_prefix_of(root: &Path) -> String {
    match related_cwd(root) {
        Some((cwd, root)) => relative(&cwd, &root),
        None => root
            .canonicalize()
            .unwrap_or_else(|_| root.to_path_buf())
            .to_string_lossy()
            .into_owned(),
    }
}

/// The current folder as a `file://` URI ending in `/`, for SARIF's
/// `originalUriBaseIds`; `None` when it cannot be known or is not valid
/// UTF-8.
pub fn cwd_uri() -> Option<String> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let s = cwd.to_str()?;
    let mut uri = String::from("file://");
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(b as char)
            }
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_folders() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(relative(&p("/repo"), &p("/repo")), "");
        assert_eq!(relative(&p("/repo"), &p("/repo/content")), "content");
        assert_eq!(
            relative(&p("/repo/content/detections"), &p("/repo/content")),
            ".."
        );
        assert_eq!(relative(&p("/repo/a"), &p("/repo/b/c")), "../b/c");
    }

    #[test]
    fn a_selection_matches_files_and_folders_below_it_only() {
        let t = Targets {
            root: PathBuf::from("/r"),
            selection: Some(vec!["detections/endpoint".into(), "macros/x.yml".into()]),
        };
        assert!(t.selects("detections/endpoint/a.yml"));
        assert!(t.selects("macros/x.yml"));
        assert!(!t.selects("detections/endpoint_old/a.yml"));
        assert!(!t.selects("macros/x.yml.bak"));
        assert!(!t.selects("stories/s.yml"));
    }

    #[test]
    fn the_root_is_found_upward_from_a_file_or_folder() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("content");
        std::fs::create_dir_all(root.join("detections/endpoint")).unwrap();
        std::fs::write(root.join(ROOT_MARKER), "").unwrap();
        std::fs::write(root.join("detections/endpoint/a.yml"), "").unwrap();
        let canon = root.canonicalize().unwrap();
        let got = resolve(&[
            root.join("detections/endpoint/a.yml"),
            root.join("detections"),
        ])
        .unwrap();
        assert_eq!(got.root, canon);
        assert_eq!(
            got.selection,
            Some(vec![
                "detections/endpoint/a.yml".into(),
                "detections".into()
            ])
        );
        assert_eq!(
            resolve(std::slice::from_ref(&root)).unwrap().selection,
            None
        );
        let e = resolve(&[t.path().to_path_buf()]).unwrap_err();
        assert!(e.starts_with("no contentctl.yml in"), "{e}");
        assert!(resolve(&[root.join("missing.yml")]).is_err());
    }
}
