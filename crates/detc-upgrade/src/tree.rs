//! The upgrade of a whole fork: every file of the base release, the fork
//! and the newer release, matched by content id and merged one by one.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::merge::{Unmerged, merge_yaml};

/// Folders that are never content: version control, build output, this
/// tool's own notes.
const SKIPPED_DIRS: &[&str] = &[".git", "dist", "target", "node_modules", ASIDE_DIR];

/// Where upstream's side of a file-level conflict is written, inside the
/// fork: `.detc-upgrade/upstream/<path>`.
pub const ASIDE_DIR: &str = ".detc-upgrade";

/// Why an upgrade could not be planned or applied.
#[derive(Debug)]
pub enum Error {
    /// A folder that holds no `contentctl.yml`.
    NotContentRoot(PathBuf),
    /// No release under the folder given to find the base in looks like
    /// the fork's base (no file of the fork is byte-identical to one of
    /// theirs).
    NoBase {
        /// The folder searched.
        releases: PathBuf,
    },
    /// A file or folder that could not be read or written.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotContentRoot(p) => write!(
                f,
                "`{}` is not a content root: it has no contentctl.yml",
                p.display()
            ),
            Error::NoBase { releases } => write!(
                f,
                "no release in `{}` shares a file with the fork, so its base cannot be told; pass the release the fork branched from with --base DIR",
                releases.display()
            ),
            Error::Io { path, source } => write!(f, "`{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One content tree read into memory: its files by `/`-separated path
/// relative to the root.
struct Tree {
    files: BTreeMap<String, Vec<u8>>,
}

impl Tree {
    fn read(root: &Path) -> Result<Tree, Error> {
        if !root.join("contentctl.yml").is_file() {
            return Err(Error::NotContentRoot(root.to_path_buf()));
        }
        // A release given as a symbolic link is read where it points.
        let real = root.canonicalize().map_err(io(root))?;
        let root = real.as_path();
        let mut files = BTreeMap::new();
        let walk = walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        for e in walk {
            let e = e.map_err(|e| {
                let path = e.path().unwrap_or(root).to_path_buf();
                Error::Io {
                    path,
                    source: e.into(),
                }
            })?;
            if !e.file_type().is_file() {
                continue;
            }
            let Ok(rel) = e.path().strip_prefix(root) else {
                continue;
            };
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let bytes = std::fs::read(e.path()).map_err(io(e.path()))?;
            files.insert(rel.join("/"), bytes);
        }
        Ok(Tree { files })
    }

    /// Each file's identity across releases: `id:<uuid>` for a YAML file
    /// with a top-level `id:` that no other file of this tree has (so a
    /// detection moved to another folder, as `deprecated/` moved between
    /// releases, is still the same detection), else `path:<path>`.
    fn keys(&self) -> HashMap<String, String> {
        let mut by_id: HashMap<String, Vec<&str>> = HashMap::new();
        for (path, bytes) in &self.files {
            if let Some(id) = yaml_id(path, bytes) {
                by_id.entry(id).or_default().push(path);
            }
        }
        let mut keys: HashMap<String, String> = self
            .files
            .keys()
            .map(|p| (format!("path:{p}"), p.clone()))
            .collect();
        for (id, paths) in by_id {
            if let [p] = paths[..] {
                keys.remove(&format!("path:{p}"));
                keys.insert(format!("id:{id}"), p.to_string());
            }
        }
        keys
    }

    /// `app.version` of contentctl.yml (`4.33.0`).
    fn version(&self) -> Option<String> {
        let text = std::str::from_utf8(self.files.get("contentctl.yml")?).ok()?;
        crate::merge::app_version(text)
    }
}

/// The top-level `id:` of a YAML file.
fn yaml_id(path: &str, bytes: &[u8]) -> Option<String> {
    if !(path.ends_with(".yml") || path.ends_with(".yaml")) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    text.lines().find_map(|l| {
        let v = l.strip_prefix("id:")?.trim();
        let v = v.split(" #").next().unwrap_or(v).trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// What the upgrade does to one file of the fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StepKind {
    /// New upstream: written.
    Added,
    /// Not edited locally, changed upstream: upstream's file taken.
    Updated,
    /// Not edited locally, moved upstream (maybe changed too).
    Moved,
    /// Not edited locally, removed upstream: removed.
    Removed,
    /// Edited locally and changed upstream: merged field by field (YAML)
    /// or row by row (CSV), every local edit carried over.
    Merged,
    /// Edited locally, unchanged upstream: the fork's file stays.
    Kept,
    /// A change that cannot be placed: the fork's side is kept and the
    /// conflicts say where upstream's side is.
    Conflict,
}

impl StepKind {
    /// The word the report uses.
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Added => "added",
            StepKind::Updated => "updated",
            StepKind::Moved => "moved",
            StepKind::Removed => "removed",
            StepKind::Merged => "merged",
            StepKind::Kept => "kept",
            StepKind::Conflict => "conflict",
        }
    }
}

/// A conflict, where the fork maintainer resolves it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// The fork's file (`/`-separated, relative to the fork's root).
    pub path: String,
    /// 1-based line in that file after the upgrade (1 for a whole file).
    pub line: usize,
    /// The field, for a conflict inside a YAML file (`tags.risk_score`).
    pub field: Option<String>,
    /// What happened and where upstream's side is.
    pub message: String,
}

/// What the upgrade does to one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What is done.
    pub kind: StepKind,
    /// The file's path in the fork after the upgrade (for a removal, the
    /// path removed).
    pub path: String,
    /// The path it had in the fork before, when it moves.
    pub from: Option<String>,
    /// The local edits carried over (YAML fields, CSV rows).
    pub kept: Vec<String>,
}

/// Everything an upgrade will do, worked out before a file is touched.
#[derive(Debug, Default)]
pub struct Plan {
    /// The base release's `app.version` (`4.33.0`), when it has one.
    pub base_version: Option<String>,
    /// The newer release's `app.version`.
    pub upstream_version: Option<String>,
    /// Every file that changes, by path.
    pub steps: Vec<Step>,
    /// Every conflict, by path and line.
    pub conflicts: Vec<Conflict>,
    /// Files of the fork that still hold a conflict comment of an earlier
    /// upgrade ([`crate::CONFLICT_MARK`]), which this one carries along as
    /// the fork's text.
    pub unresolved: Vec<String>,
    /// Files of the fork that stay as they are (same as upstream's, or a
    /// local file upstream does not have).
    pub unchanged: usize,
    writes: BTreeMap<String, Vec<u8>>,
    deletes: Vec<String>,
    aside: BTreeMap<String, Vec<u8>>,
}

impl Plan {
    /// How many steps are of `kind`.
    pub fn count(&self, kind: StepKind) -> usize {
        self.steps.iter().filter(|s| s.kind == kind).count()
    }
}

/// The three trees of an upgrade.
#[derive(Debug, Clone)]
pub struct Options {
    /// The release the fork branched from (its content root).
    pub base: PathBuf,
    /// The newer release to move to.
    pub upstream: PathBuf,
    /// The fork.
    pub fork: PathBuf,
}

/// Finds, among the content roots directly under `releases` (or
/// `releases` itself), the one the fork branched from: the one with the
/// most files byte-identical to the fork's at the same path. Returns it
/// and that count.
///
/// # Errors
/// [`Error::NoBase`] when no release shares a file with the fork, and
/// I/O errors.
pub fn find_base(fork: &Path, releases: &Path) -> Result<(PathBuf, usize), Error> {
    let f = Tree::read(fork)?;
    let mut roots = Vec::new();
    if releases.join("contentctl.yml").is_file() {
        roots.push(releases.to_path_buf());
    }
    for e in std::fs::read_dir(releases).map_err(io(releases))? {
        let e = e.map_err(io(releases))?;
        if e.path().join("contentctl.yml").is_file() && !same_dir(&e.path(), fork) {
            roots.push(e.path());
        }
    }
    roots.sort();
    let mut best: Option<(PathBuf, usize)> = None;
    for r in roots {
        let t = Tree::read(&r)?;
        let same = f
            .files
            .iter()
            .filter(|(p, b)| t.files.get(*p) == Some(b))
            .count();
        if same > 0 && best.as_ref().is_none_or(|(_, n)| same > *n) {
            best = Some((r, same));
        }
    }
    best.ok_or_else(|| Error::NoBase {
        releases: releases.to_path_buf(),
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Works out the upgrade of `o.fork` from `o.base` to `o.upstream`,
/// reading the three trees (and writing nothing).
///
/// Each file is matched across the trees by its identity (a YAML file's
/// unique `id:`, else its path). A file the fork did not edit takes
/// upstream's version, path and removal. A file edited on one side only
/// takes that side. A file edited on both sides is merged: YAML per field
/// ([`merge_yaml`]), CSV lookups per row; what cannot be merged keeps the
/// fork's file and writes upstream's beside it, under [`ASIDE_DIR`], as a
/// conflict. A local edit is never dropped.
///
/// # Errors
/// [`Error::NotContentRoot`] or an I/O error for a tree that cannot be
/// read.
pub fn plan(o: &Options) -> Result<Plan, Error> {
    let (b, f, n) = (
        Tree::read(&o.base)?,
        Tree::read(&o.fork)?,
        Tree::read(&o.upstream)?,
    );
    let (bk, fk, nk) = (b.keys(), f.keys(), n.keys());
    let upstream_version = n.version();
    let label = upstream_version
        .as_ref()
        .map_or_else(|| "release".to_string(), |v| format!("v{v}"));
    let mut all: Vec<&String> = bk.keys().chain(fk.keys()).chain(nk.keys()).collect();
    all.sort();
    all.dedup();
    let mark = crate::CONFLICT_MARK.as_bytes();
    let unresolved = f
        .files
        .iter()
        .filter(|(_, bytes)| bytes.windows(mark.len()).any(|w| w == mark))
        .map(|(path, _)| path.clone())
        .collect();
    let mut p = Plan {
        unresolved,
        base_version: b.version(),
        upstream_version,
        ..Plan::default()
    };
    // What the fork holds after the upgrade, by path.
    let mut wanted = Wanted::default();
    let mut removed: Vec<String> = Vec::new();
    let side = |k: &String, keys: &HashMap<String, String>, t: &Tree| {
        keys.get(k)
            .and_then(|path| t.files.get(path).map(|bytes| (path.clone(), bytes.clone())))
    };
    for k in all {
        let (bs, fs, ns) = (side(k, &bk, &b), side(k, &fk, &f), side(k, &nk, &n));
        let same = |x: &Option<(String, Vec<u8>)>, y: &Option<(String, Vec<u8>)>| match (x, y) {
            (Some(x), Some(y)) => x.1 == y.1,
            (None, None) => true,
            _ => false,
        };
        let mut step = |kind, path: &str, from: Option<&str>, kept: Vec<String>| {
            p.steps.push(Step {
                kind,
                path: path.to_string(),
                from: from.map(str::to_string),
                kept,
            })
        };
        match (&bs, &fs, &ns) {
            _ if same(&bs, &fs) => match (&fs, &ns) {
                // Not edited locally: upstream's stands.
                (Some(fp), Some(np)) => {
                    if fp.0 != np.0 {
                        step(StepKind::Moved, &np.0, Some(&fp.0), Vec::new());
                        removed.push(fp.0.clone());
                    } else if fp.1 != np.1 {
                        step(StepKind::Updated, &np.0, None, Vec::new());
                    } else {
                        p.unchanged += 1;
                    }
                    wanted.upstream(&np.0, &np.1);
                }
                (Some(fp), None) => {
                    step(StepKind::Removed, &fp.0, None, Vec::new());
                    removed.push(fp.0.clone());
                }
                (None, Some(np)) => {
                    step(StepKind::Added, &np.0, None, Vec::new());
                    wanted.upstream(&np.0, &np.1);
                }
                (None, None) => {}
            },
            // Edited locally, not upstream: the fork's stands (where
            // upstream moved the file and the fork did not, it moves too).
            _ if same(&bs, &ns) => match (&bs, &fs, &ns) {
                (Some(bp), Some(fp), Some(np)) if bp.0 == fp.0 && np.0 != fp.0 => {
                    step(
                        StepKind::Moved,
                        &np.0,
                        Some(&fp.0),
                        vec!["the local file".into()],
                    );
                    removed.push(fp.0.clone());
                    wanted.fork(&np.0, &fp.1);
                }
                (_, Some(fp), _) => {
                    let what = if bs.is_some() {
                        "the local edit"
                    } else {
                        "a local file"
                    };
                    step(StepKind::Kept, &fp.0, None, vec![what.into()]);
                    wanted.fork(&fp.0, &fp.1);
                }
                // Removed locally, and upstream left it alone.
                _ => {}
            },
            // The same change on both sides.
            _ if same(&fs, &ns) => {
                if let (Some(fp), Some(np)) = (&fs, &ns) {
                    if fp.0 != np.0 && bs.as_ref().is_none_or(|bp| bp.0 == fp.0) {
                        step(StepKind::Moved, &np.0, Some(&fp.0), Vec::new());
                        removed.push(fp.0.clone());
                        wanted.upstream(&np.0, &np.1);
                    } else {
                        p.unchanged += 1;
                        wanted.fork(&fp.0, &fp.1);
                    }
                }
            }
            // Changed on both sides, differently.
            (_, None, Some(np)) => {
                // Removed locally, changed upstream: it stays removed.
                step(StepKind::Conflict, &np.0, None, Vec::new());
                let aside = format!("{ASIDE_DIR}/upstream/{}", np.0);
                p.conflicts.push(Conflict {
                    path: np.0.clone(),
                    line: 1,
                    field: None,
                    message: format!(
                        "removed in the fork and changed in upstream {label}; it stays removed, upstream's file is in {aside}"
                    ),
                });
                p.aside.insert(aside, np.1.clone());
            }
            (_, Some(fp), None) => {
                // Edited locally, removed upstream: the edit is kept.
                step(StepKind::Conflict, &fp.0, None, Vec::new());
                p.conflicts.push(Conflict {
                    path: fp.0.clone(),
                    line: 1,
                    field: None,
                    message: format!(
                        "edited in the fork and removed in upstream {label}; the fork's file is kept: remove it if upstream's removal should win"
                    ),
                });
                wanted.fork(&fp.0, &fp.1);
            }
            (_, Some(fp), Some(np)) => {
                // The fork's location wins where the fork moved the file.
                let moved_locally = bs.as_ref().is_some_and(|bp| bp.0 != fp.0);
                let path = if moved_locally { &fp.0 } else { &np.0 };
                if path != &fp.0 {
                    removed.push(fp.0.clone());
                }
                let base_bytes = bs.as_ref().map(|x| x.1.as_slice());
                match merge_file(path, base_bytes, &fp.1, &np.1, &label) {
                    Ok((text, kept, conflicts)) => {
                        let kind = if conflicts.is_empty() {
                            StepKind::Merged
                        } else {
                            StepKind::Conflict
                        };
                        for c in conflicts {
                            p.conflicts.push(Conflict {
                                path: path.clone(),
                                ..c
                            });
                        }
                        step(kind, path, (path != &fp.0).then_some(&fp.0), kept);
                        wanted.fork(path, text.as_bytes());
                    }
                    Err(why) => {
                        let aside = format!("{ASIDE_DIR}/upstream/{}", np.0);
                        step(
                            StepKind::Conflict,
                            path,
                            (path != &fp.0).then_some(&fp.0),
                            Vec::new(),
                        );
                        p.conflicts.push(Conflict {
                            path: path.clone(),
                            line: 1,
                            field: None,
                            message: format!(
                                "changed in the fork and in upstream {label}, and not merged: {why}; the fork's file is kept, upstream's is in {aside}"
                            ),
                        });
                        wanted.fork(path, &fp.1);
                        p.aside.insert(aside, np.1.clone());
                    }
                }
            }
            (_, None, None) => {}
        }
    }
    for path in removed {
        if !wanted.0.contains_key(&path) && f.files.contains_key(&path) {
            p.deletes.push(path);
        }
    }
    for (path, (bytes, _)) in wanted.0 {
        if let Some((aside, upstreams)) = wanted.1.remove(&path) {
            let to = format!("{ASIDE_DIR}/upstream/{path}");
            p.conflicts.push(Conflict {
                path: path.clone(),
                line: 1,
                field: None,
                message: format!(
                    "two files of different ids land on this path in the upgrade to {label}; the fork's file is kept, {} is in {to}",
                    if upstreams { "upstream's" } else { "the fork's other file" }
                ),
            });
            p.aside.insert(to, aside);
            // One step for the path: a conflict.
            p.steps.retain(|s| {
                s.path != path
                    || !matches!(
                        s.kind,
                        StepKind::Added | StepKind::Updated | StepKind::Moved
                    )
            });
            for s in p.steps.iter_mut().filter(|s| s.path == path) {
                s.kind = StepKind::Conflict;
            }
        }
        if f.files.get(&path) != Some(&bytes) {
            p.writes.insert(path, bytes);
        }
    }
    p.steps
        .sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    p.conflicts
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(p)
}

/// What the fork holds after the upgrade, by path, with whether the bytes
/// are the fork's (a local file or a merge) or upstream's. Two files of
/// different identity for one path (upstream puts a new file where the
/// fork keeps another) keep the fork's; upstream's is set aside, in `.1`.
#[derive(Default)]
#[allow(clippy::type_complexity)]
struct Wanted(
    BTreeMap<String, (Vec<u8>, bool)>,
    BTreeMap<String, (Vec<u8>, bool)>,
);

impl Wanted {
    fn fork(&mut self, path: &str, bytes: &[u8]) {
        match self.0.get(path) {
            Some((old, _)) if old == bytes => {}
            // Two of the fork's files for one path: the second is set
            // aside, never dropped.
            Some((_, true)) => {
                self.1.insert(path.to_string(), (bytes.to_vec(), false));
            }
            Some((old, false)) => {
                self.1.insert(path.to_string(), (old.clone(), true));
                self.0.insert(path.to_string(), (bytes.to_vec(), true));
            }
            None => {
                self.0.insert(path.to_string(), (bytes.to_vec(), true));
            }
        }
    }

    fn upstream(&mut self, path: &str, bytes: &[u8]) {
        match self.0.get(path) {
            Some((old, _)) if old == bytes => {}
            Some(_) => {
                self.1.insert(path.to_string(), (bytes.to_vec(), true));
            }
            None => {
                self.0.insert(path.to_string(), (bytes.to_vec(), false));
            }
        }
    }
}

type FileMerge = (String, Vec<String>, Vec<Conflict>);

/// A 3-way merge of one file that detc knows how to merge (YAML block
/// mappings, CSV files with the same header), or why it is not merged.
fn merge_file(
    path: &str,
    base: Option<&[u8]>,
    fork: &[u8],
    new: &[u8],
    label: &str,
) -> Result<FileMerge, String> {
    let Some(base) = base else {
        return Err("added on both sides with different content".into());
    };
    let text = |b| {
        std::str::from_utf8(b).map_err(|_| "not UTF-8 text, which detc does not merge".to_string())
    };
    let (b, f, n) = (text(base)?, text(fork)?, text(new)?);
    if path.ends_with(".yml") || path.ends_with(".yaml") {
        let m = merge_yaml(b, f, n, label).map_err(|e| match e {
            Unmerged::Unreadable(side) => format!(
                "{side} file has a YAML error or is not a mapping (`detc validate` shows it), so its fields cannot be merged"
            ),
            Unmerged::Unplaced => "the local edits could not be placed in upstream's text field by field".to_string(),
        })?;
        let conflicts = m
            .conflicts
            .into_iter()
            .map(|c| Conflict {
                path: path.to_string(),
                line: c.line,
                field: Some(c.field),
                message: c.message,
            })
            .collect();
        return Ok((m.text, m.kept, conflicts));
    }
    if path.ends_with(".csv") {
        return crate::csv_rows::merge(b, f, n)
            .map(|(text, kept)| (text, kept, Vec::new()))
            .ok_or_else(|| {
                "a CSV whose header changed, or with a quoted line break, is not merged row by row"
                    .into()
            });
    }
    Err("not a YAML or CSV file, which detc merges".into())
}

/// Applies `plan` to the fork at `fork`: writes the merged and new files,
/// removes the removed ones (and folders left empty), and writes
/// upstream's side of each file-level conflict under [`ASIDE_DIR`]. Each
/// file is written to a temporary file beside it and renamed into place.
///
/// # Errors
/// The first I/O error; files written before it stay written.
pub fn apply(plan: &Plan, fork: &Path) -> Result<(), Error> {
    for (rel, bytes) in plan.writes.iter().chain(plan.aside.iter()) {
        let path = fork.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let tmp = path.with_extension("detc-upgrade.tmp");
        std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
    }
    for rel in &plan.deletes {
        let path = fork.join(rel);
        std::fs::remove_file(&path).map_err(io(&path))?;
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == fork || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[(&str, &str)]) {
        std::fs::create_dir_all(root).unwrap();
        std::fs::write(root.join("contentctl.yml"), "app:\n  version: 1.0.0\n").unwrap();
        for (p, text) in files {
            let path = root.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn det(id: &str, score: u32, desc: &str) -> String {
        format!("name: D {id}\nid: {id}\ndescription: {desc}\ntags:\n  risk_score: {score}\n")
    }

    #[test]
    fn files_follow_their_id_and_every_local_edit_survives() {
        let t = tempfile::tempdir().unwrap();
        let (b, f, n) = (t.path().join("b"), t.path().join("f"), t.path().join("n"));
        let old = det("a1", 10, "old");
        tree(
            &b,
            &[
                ("detections/x/a.yml", &old),
                ("detections/gone.yml", &det("g1", 1, "g")),
                ("lookups/l.csv", "k,v\n1,a\n"),
            ],
        );
        tree(
            &f,
            &[
                ("detections/x/a.yml", &det("a1", 80, "old")),
                ("detections/gone.yml", &det("g1", 2, "g")),
                ("lookups/l.csv", "k,v\n1,a\n9,ours\n"),
                ("detections/new.yml", &det("ours", 5, "local")),
            ],
        );
        tree(
            &n,
            &[
                // Moved to another folder and its description rewritten.
                ("detections/deprecated/a.yml", &det("a1", 10, "new")),
                ("lookups/l.csv", "k,v\n1,a\n2,b\n"),
                // Upstream's own file where the fork keeps one of its own.
                ("detections/new.yml", &det("theirs", 5, "upstream")),
            ],
        );
        std::fs::write(n.join("contentctl.yml"), "app:\n  version: 2.0.0\n").unwrap();
        let p = plan(&Options {
            base: b,
            upstream: n.clone(),
            fork: f.clone(),
        })
        .unwrap();
        assert_eq!(
            (p.base_version.as_deref(), p.upstream_version.as_deref()),
            (Some("1.0.0"), Some("2.0.0"))
        );
        let steps: Vec<(StepKind, &str, Option<&str>)> = p
            .steps
            .iter()
            .map(|s| (s.kind, s.path.as_str(), s.from.as_deref()))
            .collect();
        assert_eq!(
            steps,
            [
                (StepKind::Updated, "contentctl.yml", None),
                (
                    StepKind::Merged,
                    "detections/deprecated/a.yml",
                    Some("detections/x/a.yml")
                ),
                (StepKind::Merged, "lookups/l.csv", None),
                (StepKind::Conflict, "detections/gone.yml", None),
                (StepKind::Conflict, "detections/new.yml", None),
            ]
        );
        let messages: Vec<(&str, &str)> = p
            .conflicts
            .iter()
            .map(|c| (c.path.as_str(), c.message.as_str()))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0]
                .1
                .starts_with("edited in the fork and removed in upstream v2.0.0"),
            "{messages:?}"
        );
        assert_eq!(messages[1].0, "detections/new.yml");
        assert!(
            messages[1]
                .1
                .contains("upstream's is in .detc-upgrade/upstream/detections/new.yml"),
            "{messages:?}"
        );
        apply(&p, &f).unwrap();
        let read = |rel: &str| std::fs::read_to_string(f.join(rel)).unwrap();
        assert_eq!(read("detections/deprecated/a.yml"), det("a1", 80, "new"));
        assert!(
            !f.join("detections/x").exists(),
            "the emptied folder goes too"
        );
        assert_eq!(read("lookups/l.csv"), "k,v\n1,a\n2,b\n9,ours\n");
        assert_eq!(read("detections/new.yml"), det("ours", 5, "local"));
        assert_eq!(
            read(".detc-upgrade/upstream/detections/new.yml"),
            det("theirs", 5, "upstream")
        );
        assert_eq!(read("detections/gone.yml"), det("g1", 2, "g"));
        assert_eq!(read("contentctl.yml"), "app:\n  version: 2.0.0\n");
    }

    #[test]
    fn a_base_is_found_by_the_files_it_shares_or_not_at_all() {
        let t = tempfile::tempdir().unwrap();
        let rel = t.path().join("releases");
        tree(
            &rel.join("r1"),
            &[("a.yml", "id: 1\n"), ("b.yml", "id: 2\n")],
        );
        tree(
            &rel.join("r2"),
            &[("a.yml", "id: 1\nx: 1\n"), ("b.yml", "id: 2\n")],
        );
        let fork = t.path().join("fork");
        tree(
            &fork,
            &[("a.yml", "id: 1\n"), ("b.yml", "id: 2\nlocal: 1\n")],
        );
        let (found, same) = find_base(&fork, &rel).unwrap();
        // contentctl.yml and a.yml are r1's; r2 shares contentctl.yml only.
        assert_eq!((found, same), (rel.join("r1"), 2));
        let empty = t.path().join("none");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(
            find_base(&fork, &empty),
            Err(Error::NoBase { .. })
        ));
        assert!(matches!(
            plan(&Options { base: empty.clone(), upstream: empty.clone(), fork }),
            Err(Error::NotContentRoot(p)) if p == empty
        ));
    }
}
