//! The findings of the per-detection rule walks kept from one run for the
//! next ([`RuleMemo`]), so that after an edit of one detection only that
//! detection is checked again (`detc lsp`, whose check follows every
//! keystroke).
//!
//! A walk ([`Walk`]) is a family's pass over the detections whose rules
//! read one detection and the rest of the content, never another
//! detection. What they read besides the detection is the *context*: every
//! file that is not a decoded detection (macros, lookups, stories, data
//! sources, `contentctl.yml`, `detc.toml`, a detection file that could not
//! be decoded), each with its place in the run ([`FileId`], on which every
//! span depends), the lookups' columns, the rule levels, the reference
//! contentctl and "today". A detection's kept findings are reused only when
//! the context's hash is that of the last run and the detection's file is
//! unchanged since the last run (same path, text and place: the decode
//! cache compares them whole, and tells the memo, see [`RuleMemo::files`]);
//! anything else runs the rules again. Each file enters the context's hash
//! by the hash of its text, which the decode cache computes once per text.
//! A run whose ATT&CK data is not the embedded bundle keeps nothing.
//!
//! The L002 check of the lookups' csv rows, most of the rules' work once
//! the walks are kept, is kept too: by the hash of the file's bytes and the
//! header's width ([`RowsMemo`]).

use crate::load::Project;
use crate::model::Detection;
use detc_cache::Key;
use detc_diag::{Diagnostic, FileId};
use std::collections::HashMap;
use std::sync::Mutex;

/// The per-detection walks whose findings are kept: one per rule family
/// that checks detections one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// ATT&CK rules (A0xx).
    Attack,
    /// Drilldown rules (D0xx).
    Drilldowns,
    /// The policy rules that read one detection (P001-P005).
    Policy,
    /// Risk-based alerting rules (R0xx).
    Rba,
    /// The search rules on a detection's search (Q001-Q006, Q010-Q012).
    Search,
}

/// How many [`Walk`]s there are.
const WALKS: usize = 5;

/// The findings of one run's per-detection walks, for the next run of the
/// same content root (see the module's documentation for when they are
/// reused). Empty by default; [`crate::validate_with`] fills it through
/// its [`crate::DecodeCache`].
#[derive(Default)]
pub struct RuleMemo {
    /// The hash of the context of the run that found `kept`.
    context: Option<Key>,
    /// By detection file path.
    kept: HashMap<String, Kept>,
    /// Per [`FileId`] of the coming run: whether the file is unchanged
    /// since the last run, and the hash of its text when the loader knows
    /// it (set by the loader, [`RuleMemo::files`]).
    same: Vec<bool>,
    keys: Vec<Option<Key>>,
    /// The ragged rows of the lookups' csv files, for L002.
    pub(crate) rows: RowsMemo,
    /// Detections checked again and detections whose findings were reused,
    /// in the last run.
    pub last: (usize, usize),
}

/// One detection's findings, per walk, and the file they were found in.
struct Kept {
    file: FileId,
    found: [Vec<Diagnostic>; WALKS],
}

/// L002's reading of csv files kept between runs: by (BLAKE3 of the
/// file's bytes, the header's width), the ragged rows (`(line, fields)`)
/// or why the file could not be read as csv.
pub type RowsMemo = HashMap<(Key, usize), Result<Vec<(usize, usize)>, String>>;

/// What one run reads from and records for a [`RuleMemo`].
pub(crate) struct Reuse<'m> {
    /// Per detection (by index): the findings to reuse, if any.
    kept: Vec<Option<&'m [Vec<Diagnostic>; WALKS]>>,
    /// The findings of the detections checked in this run, per walk.
    found: [Mutex<Findings>; WALKS],
}

/// One walk's findings per detection checked: (detection index, findings).
type Findings = Vec<(usize, Vec<Diagnostic>)>;

impl<'m> Reuse<'m> {
    /// Nothing reused, nothing recorded (a run without a memo).
    pub(crate) fn none() -> Reuse<'static> {
        Reuse {
            kept: Vec::new(),
            found: Default::default(),
        }
    }

    /// Whether detection `i`'s findings are reused (its rules do not run).
    pub(crate) fn is_kept(&self, i: usize) -> bool {
        matches!(self.kept.get(i), Some(Some(_)))
    }

    /// Runs `check` on every detection of `detections` for `walk`, or
    /// reuses its findings from the last run; the findings go to `out`.
    pub(crate) fn each(
        &self,
        walk: Walk,
        detections: &[Detection],
        out: &mut Vec<Diagnostic>,
        mut check: impl FnMut(usize, &Detection, &mut Vec<Diagnostic>),
    ) {
        let mut found = Vec::new();
        let recording = !self.kept.is_empty();
        for (i, d) in detections.iter().enumerate() {
            if let Some(Some(k)) = self.kept.get(i) {
                out.extend(k[walk as usize].iter().cloned());
                continue;
            }
            let start = out.len();
            check(i, d, out);
            if recording && out.len() > start {
                found.push((i, out[start..].to_vec()));
            }
        }
        if !found.is_empty() {
            let mut slot = self.found[walk as usize]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.extend(found);
        }
    }
}

/// The hash of what the per-detection walks of `p` read besides each
/// detection, taking each file's text hash from `keys` (by [`FileId`])
/// where it is known; `None` when nothing may be kept (ATT&CK data other
/// than the embedded bundle, whose identity the hash cannot hold).
fn context_of(
    p: &Project,
    keys: &[Option<Key>],
    opts: &crate::Options,
    levels: &crate::lints::Levels,
    lookup_columns: &HashMap<String, Vec<String>>,
) -> Option<Key> {
    if !std::ptr::eq(opts.attack, detc_attack::Attack::embedded()) {
        return None;
    }
    let detection_files: std::collections::HashSet<FileId> =
        p.content.detections.iter().map(|d| d.common.file).collect();
    let mut h = detc_cache::Parts::default();
    let mut part = |b: &[u8]| h.part(b);
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(opts.today.to_string().as_bytes());
    part(format!("{:?}", opts.lints).as_bytes());
    part(format!("{levels:?}").as_bytes());
    part(format!("{:?}", p.reference).as_bytes());
    part(&(p.sources.len() as u64).to_le_bytes());
    for i in 0..p.sources.len() {
        let id = FileId(i as u32);
        if detection_files.contains(&id) {
            continue;
        }
        let f = p.sources.get(id);
        part(&id.0.to_le_bytes());
        part(f.path.as_bytes());
        match keys.get(i).copied().flatten() {
            Some(k) => part(&k),
            None => part(&detc_cache::key(f.text.as_bytes())),
        }
    }
    let mut columns: Vec<_> = lookup_columns.iter().collect();
    columns.sort();
    for (name, cols) in columns {
        part(name.as_bytes());
        for c in cols {
            part(c.as_bytes());
        }
    }
    Some(h.finish())
}

impl RuleMemo {
    /// Tells the memo which files of the coming run are unchanged since
    /// the last run, and the hashes of their texts, by [`FileId`]: the
    /// loader's decode cache, which compares each file's path, text and
    /// place whole, and hashes a text once, when it changes.
    pub(crate) fn files(&mut self, same: Vec<bool>, keys: Vec<Option<Key>>) {
        self.same = same;
        self.keys = keys;
    }

    /// What a run of `p` may reuse from this memo, and the context hash
    /// to record afterwards ([`RuleMemo::record`]). The old findings move
    /// out into the [`Start`] for the run to borrow.
    pub(crate) fn start(
        &mut self,
        p: &Project,
        opts: &crate::Options,
        levels: &crate::lints::Levels,
        lookup_columns: &HashMap<String, Vec<String>>,
    ) -> Start {
        let same = std::mem::take(&mut self.same);
        let keys = std::mem::take(&mut self.keys);
        let context = context_of(p, &keys, opts, levels, lookup_columns);
        let mut old = std::mem::take(&mut self.kept);
        if context.is_none() || context != self.context {
            old.clear();
        }
        Start { context, old, same }
    }

    /// Keeps this run's findings: those reused, moved from `start`'s, and
    /// those the run recorded (`found`).
    pub(crate) fn record(&mut self, p: &Project, start: Start, found: Found) {
        let Start {
            context,
            mut old,
            same,
        } = start;
        self.context = context;
        if context.is_none() {
            self.kept.clear();
            self.last = (p.content.detections.len(), 0);
            return;
        }
        let mut fresh: Vec<[Vec<Diagnostic>; WALKS]> = p
            .content
            .detections
            .iter()
            .map(|_| Default::default())
            .collect();
        for (w, found) in found.into_iter().enumerate() {
            for (i, diags) in found {
                if let Some(slot) = fresh.get_mut(i) {
                    slot[w] = diags;
                }
            }
        }
        let mut kept = HashMap::with_capacity(fresh.len());
        let mut reused = 0;
        for (d, found) in p.content.detections.iter().zip(fresh) {
            let entry = match old.remove(&d.common.path) {
                Some(k) if Start::unchanged(&same, &k, d) => {
                    reused += 1;
                    k
                }
                _ => Kept {
                    file: d.common.file,
                    found,
                },
            };
            kept.insert(d.common.path.clone(), entry);
        }
        self.last = (p.content.detections.len() - reused, reused);
        self.kept = kept;
    }
}

/// A run's view of a [`RuleMemo`] between [`RuleMemo::start`] and
/// [`RuleMemo::record`].
pub(crate) struct Start {
    context: Option<Key>,
    old: HashMap<String, Kept>,
    same: Vec<bool>,
}

/// The findings a run recorded, per walk ([`Reuse::into_found`]).
pub(crate) type Found = [Findings; WALKS];

impl Start {
    /// Whether `k`, kept for detection `d`'s path, was found in the file
    /// `d` comes from, unchanged since.
    fn unchanged(same: &[bool], k: &Kept, d: &Detection) -> bool {
        k.file == d.common.file && same.get(k.file.0 as usize).copied().unwrap_or(false)
    }

    /// The reuse of this run: detection `i`'s kept findings when its file
    /// is unchanged since they were found.
    pub(crate) fn reuse(&self, p: &Project) -> Reuse<'_> {
        if self.context.is_none() {
            return Reuse::none();
        }
        Reuse {
            // One entry per detection: a list this long also says to record.
            kept: p
                .content
                .detections
                .iter()
                .map(|d| {
                    self.old
                        .get(&d.common.path)
                        .filter(|k| Self::unchanged(&self.same, k, d))
                        .map(|k| &k.found)
                })
                .collect(),
            found: Default::default(),
        }
    }
}

impl Reuse<'_> {
    /// The findings recorded in this run, per walk.
    pub(crate) fn into_found(self) -> Found {
        self.found.map(|m| {
            m.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        })
    }
}
