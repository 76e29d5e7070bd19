//! Validation rules, one file per rule, grouped in families (a folder
//! each): `rules/<family>/<code>_<name>.rs` holds the rule's check and its
//! documentation ([`docs`] gives the fixed shape), and a test that runs
//! its fixtures ([`fixture`]). The family's `mod.rs` walks the content
//! once and calls each of its rules that is on ([`Cx::enabled`]).
//!
//! The YAML, schema and file rules (`yaml/`, `schema/`, `files/`) are
//! reported by the YAML reader, the decoders and the loader; their files
//! hold their documentation and their fixture test.

/// Declares a family's rule files: a module for each, and `FILES`, the
/// file names and sources that [`docs`] reads the documentation from.
macro_rules! rule_files {
    ($($m:ident),* $(,)?) => {
        $(mod $m;)*
        /// This family's rule files: (file name, source), for their docs.
        pub(crate) const FILES: &[(&str, &str)] = &[
            $((concat!(stringify!($m), ".rs"), include_str!(concat!(stringify!($m), ".rs")))),*
        ];
    };
}

mod attack;
pub mod docs;
mod drilldowns;
mod files;
mod firstseen;
#[cfg(test)]
mod fixture;
mod format;
mod identity;
mod lookups;
mod memo;
mod policy;
mod rba;
mod references;
mod schema;
mod search;
mod yaml;

pub use memo::RuleMemo;
pub use policy::PLACEHOLDER;
pub use search::contentctl5_lookup_name;

use crate::Options;
use crate::codes::{Code, code};
use crate::enums::LookupType;
use crate::lints::Levels;
use crate::load::Project;
use crate::model::{Content, Detection, Macro};
use detc_diag::{Diagnostic, SourceMap, Span};
use detc_spl::{Fields, Resolver};
use detc_yaml::Spanned;
use memo::Reuse;
pub(crate) use memo::Walk;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A rule that looks at one detection at a time: given the detection and
/// its index in `content.detections` (for [`Cx::output`]).
pub(crate) type DetectionRule = fn(&Cx, usize, &Detection, &mut Vec<Diagnostic>);

/// Runs each rule of `rules` that is on over every detection, detection
/// by detection (the rules of a family share the walk, `walk`, whose
/// findings a [`RuleMemo`] may keep for the next run).
pub(crate) fn per_detection(
    cx: &Cx,
    walk: Walk,
    rules: &[(Code, DetectionRule)],
    out: &mut Vec<Diagnostic>,
) {
    per_detection_where(cx, walk, rules, |_| true, out);
}

/// [`per_detection`] over the detections `keep` accepts.
pub(crate) fn per_detection_where(
    cx: &Cx,
    walk: Walk,
    rules: &[(Code, DetectionRule)],
    keep: impl Fn(&Detection) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let on: Vec<&DetectionRule> = rules
        .iter()
        .filter(|(c, _)| cx.enabled(*c))
        .map(|(_, f)| f)
        .collect();
    if on.is_empty() {
        return;
    }
    cx.reuse
        .each(walk, &cx.content.detections, out, |i, d, out| {
            if keep(d) {
                for f in &on {
                    f(cx, i, d, out);
                }
            }
        });
}

/// What every rule may read.
pub struct Cx<'a> {
    /// The content.
    pub content: &'a Content,
    /// The files, for locating text inside values.
    pub sources: &'a SourceMap,
    /// Run options.
    pub opts: &'a Options<'a>,
    /// `app.label` from contentctl.yml.
    pub label: &'a str,
    /// Macros by name, then by arity.
    pub macros: MacroIndex<'a>,
    /// Lookup columns by lookup name (and by csv file name).
    pub lookup_columns: HashMap<String, Vec<String>>,
    /// Names of all lookups, and `<name>.csv` for csv lookups.
    pub lookup_names: std::collections::HashSet<String>,
    /// The output fields of each detection's search, by index, each
    /// computed once when first read ([`Cx::output`]); all of them, on all
    /// cores, before the rules run when a rule that reads every one
    /// (R001-R003, D001) is on.
    outputs: Vec<OnceLock<Option<Fields>>>,
    /// The levels of this run: a rule set to `allow` does not run.
    pub levels: &'a Levels,
    /// The per-detection findings of the last run that this one reuses,
    /// and those it records ([`RuleMemo`]).
    pub(crate) reuse: Reuse<'a>,
}

/// The definition a macro has when the content does not define it:
/// contentctl creates a missing `<detection>_filter` macro (no arguments)
/// as `search *`. `None` for any other macro.
pub fn implicit_macro(name: &str, arity: usize) -> Option<(Vec<String>, String)> {
    (arity == 0 && name.ends_with("_filter")).then(|| (Vec::new(), "search *".to_string()))
}

/// The content's macros by name (each name with its arities), and the
/// definitions Splunk would expand: the one source for the rules, the
/// build's snapshots and the replay.
pub struct MacroIndex<'a> {
    by_name: HashMap<&'a str, Vec<&'a Macro>>,
}

impl<'a> MacroIndex<'a> {
    /// Indexes `content.macros` by name.
    pub fn new(content: &'a Content) -> Self {
        let mut by_name: HashMap<&str, Vec<&Macro>> = HashMap::new();
        for m in &content.macros {
            if let Some(n) = &m.common.name {
                by_name.entry(n.value.as_str()).or_default().push(m);
            }
        }
        MacroIndex { by_name }
    }

    /// The macros named `name`, of every arity.
    pub fn get(&self, name: &str) -> Option<&Vec<&'a Macro>> {
        self.by_name.get(name)
    }

    /// Whether a macro is named `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Every macro name.
    pub fn keys(&self) -> impl Iterator<Item = &&'a str> {
        self.by_name.keys()
    }

    /// The argument names and definition of macro `name` with `arity`
    /// arguments; for a `<detection>_filter` macro that the content lacks,
    /// the `search *` contentctl creates ([`implicit_macro`]). `None` when
    /// neither applies.
    pub fn definition(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)> {
        if let Some(ms) = self.by_name.get(name) {
            let m = ms.iter().find(|m| m.arguments.len() == arity)?;
            return Some((
                m.arguments.iter().map(|a| a.value.clone()).collect(),
                m.definition.as_ref()?.value.clone(),
            ));
        }
        implicit_macro(name, arity)
    }
}

impl Resolver for Cx<'_> {
    fn macro_definition(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)> {
        self.macros.definition(name, arity)
    }

    fn lookup_fields(&self, name: &str) -> Option<Vec<String>> {
        self.lookup_columns.get(name).cloned()
    }
}

impl Cx<'_> {
    /// Whether rule `code` runs: not set to `allow` by `detc.toml` or the
    /// command line. Each rule's call is guarded by it, so a rule that is
    /// off costs nothing.
    pub fn enabled(&self, code: Code) -> bool {
        !self.levels.is_off(code)
    }

    /// The span of `needle` inside the value `s`, where `at` is the byte
    /// offset of that occurrence in the value. Values are unescaped and
    /// folded, so the occurrence is found again in the raw source text of
    /// the value; when it cannot be, the whole value's first line is used.
    pub fn locate(&self, s: &Spanned<String>, at: usize, needle: &str) -> Span {
        let file = self.sources.get(s.span.file);
        let raw = file.text.get(s.span.start..s.span.end).unwrap_or("");
        let nth = s
            .value
            .get(..at)
            .map(|p| p.matches(needle).count())
            .unwrap_or(0);
        match raw.match_indices(needle).nth(nth) {
            Some((i, _)) => Span::new(
                s.span.file,
                s.span.start + i,
                s.span.start + i + needle.len(),
            ),
            None => {
                let end = raw.find('\n').map_or(s.span.end, |e| s.span.start + e);
                Span::new(s.span.file, s.span.start, end)
            }
        }
    }

    /// The output fields of detection number `i`, when its search could be
    /// read; computed on first use.
    pub fn output(&self, i: usize) -> Option<&Fields> {
        self.outputs
            .get(i)?
            .get_or_init(|| self.output_of(i))
            .as_ref()
    }

    /// What detection number `i`'s search outputs (`detc-spl`'s analysis).
    fn output_of(&self, i: usize) -> Option<Fields> {
        let d = self.content.detections.get(i)?;
        d.search
            .as_ref()
            .map(|s| detc_spl::output_fields(&s.value, self))
    }
}

/// The one field of `fields` that is `name` written otherwise: equal but
/// for case and underscores (`bucketName` for `bucket_name`, `User` for
/// `user`), the usual slip between a search's field and a risk or
/// drilldown setting. `None` when no field, or more than one, is.
pub(crate) fn field_written_otherwise<'f>(fields: &'f Fields, name: &str) -> Option<&'f str> {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let want = key(name);
    let mut found = fields
        .names()
        .iter()
        .filter(|f| f.as_str() != name && key(f) == want);
    let first = found.next()?;
    found.next().is_none().then_some(first.as_str())
}

/// The fix that writes `field` as `to` in the source at `span` (which
/// holds it, as `$field$` or as a value), when `field` occurs there
/// exactly once; `None` otherwise.
pub(crate) fn rename_fix(
    cx: &Cx,
    span: Span,
    field: &str,
    to: &str,
) -> Option<(String, Span, String)> {
    let raw = cx.sources.get(span.file).text.get(span.start..span.end)?;
    (raw.matches(field).count() == 1).then(|| {
        (
            format!("use `{to}`, the field the search outputs"),
            span,
            raw.replacen(field, to, 1),
        )
    })
}

/// `$token$`s in `text` with their byte offsets (of the opening `$`).
pub fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = text[i..].find('$') {
        let start = i + p;
        match text[start + 1..].find('$') {
            Some(len) => {
                let tok = &text[start + 1..start + 1 + len];
                if !tok.is_empty() && !tok.contains(char::is_whitespace) {
                    out.push((start, tok));
                    i = start + len + 2;
                } else {
                    i = start + 1;
                }
            }
            None => break,
        }
    }
    out
}

/// Runs every rule on `p`, appending to `p.diags`.
pub fn run(p: &mut Project, opts: &Options, levels: &Levels) {
    run_beside(p, opts, levels, None, |_| ());
}

/// [`run`], with `beside` run on a thread of its own while the rules run
/// (once the lookup files are read): work that needs the decoded content
/// but not the findings, such as the documentation pages, then costs no
/// wall time on cores the rules leave idle. Returns what `beside` returns.
/// With `memo`, the per-detection findings of unchanged detections are
/// taken from the last run's, and this run's are kept for the next
/// ([`RuleMemo`]); the findings are the same either way.
pub fn run_beside<R: Send>(
    p: &mut Project,
    opts: &Options,
    levels: &Levels,
    memo: Option<&mut RuleMemo>,
    beside: impl FnOnce(&Project) -> R + Send,
) -> R {
    let mut out: Vec<Diagnostic> = Vec::new();
    let (columns, row_checks) = lookups::check_files(p, levels, &mut out);
    let whole: &Project = p;
    let content = &p.content;
    let macros = MacroIndex::new(content);
    let mut lookup_names = std::collections::HashSet::new();
    let mut lookup_columns = HashMap::new();
    for l in &content.lookups {
        let name = l.common.name().to_string();
        lookup_names.insert(name.clone());
        let cols = match l.kind() {
            Some(LookupType::KvStore) => {
                Some(l.fields.iter().map(|f| f.value.clone()).collect::<Vec<_>>())
            }
            Some(LookupType::Csv) => {
                lookup_names.insert(format!("{name}.csv"));
                if let Some(f) = &l.filename {
                    lookup_names.insert(f.value.clone());
                }
                columns.get(&l.common.path).cloned()
            }
            _ => None,
        };
        if let Some(c) = cols {
            lookup_columns.insert(format!("{name}.csv"), c.clone());
            lookup_columns.insert(name, c);
        }
    }
    let mut memo = memo;
    let start = memo
        .as_deref_mut()
        .map(|m| m.start(whole, opts, levels, &lookup_columns));
    // The csv rows' readings move to the thread that checks the rows, and
    // come back with this run's.
    let mut rows_memo = memo
        .as_deref_mut()
        .map(|m| std::mem::take(&mut m.rows))
        .unwrap_or_default();
    let reuse = match &start {
        Some(s) => s.reuse(whole),
        None => Reuse::none(),
    };
    let cx = Cx {
        content,
        sources: &p.sources,
        opts,
        label: &p.config.app.label,
        macros,
        lookup_columns,
        lookup_names,
        outputs: content.detections.iter().map(|_| OnceLock::new()).collect(),
        levels,
        reuse,
    };
    // The rule families are independent: each runs on its own thread and
    // their findings are appended in this fixed order, so the report does
    // not depend on scheduling.
    let families: [fn(&Cx, &mut Vec<Diagnostic>); 9] = [
        identity::check,
        references::check,
        search::check,
        firstseen::check,
        attack::check,
        rba::check,
        drilldowns::check,
        policy::check,
        format::check,
    ];
    let result = std::thread::scope(|s| {
        let beside = s.spawn(move || beside(whole));
        // The lookups' rows (a few MiB of csv) are read meanwhile.
        let rows = s.spawn(move || {
            let r = lookups::check_rows(&row_checks, &mut rows_memo);
            (r, rows_memo)
        });
        // What each search outputs: per detection, on all cores, when a
        // rule that reads every one is on (R004 reads a few, on demand);
        // not for the detections whose findings are reused.
        let readers = [code::R001, code::R002, code::R003, code::D001];
        if readers.iter().any(|c| cx.enabled(*c)) {
            let indexes: Vec<usize> = (0..content.detections.len())
                .filter(|&i| !cx.reuse.is_kept(i))
                .collect();
            let cx = &cx;
            crate::par::parallel_map(&indexes, |&i| {
                cx.output(i);
            });
        }
        let cx = &cx;
        let handles: Vec<_> = families
            .iter()
            .map(|check| {
                s.spawn(move || {
                    let mut v = Vec::new();
                    check(cx, &mut v);
                    v
                })
            })
            .collect();
        for h in handles {
            out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        let (row_diags, rows_memo) = rows.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        out.extend(row_diags);
        let r = beside
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (r, rows_memo)
    });
    let (result, rows_memo) = result;
    let found = cx.reuse.into_found();
    if let (Some(m), Some(start)) = (memo, start) {
        m.rows = rows_memo;
        m.record(p, start, found);
    }
    p.diags.append(&mut out);
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_found_with_offsets() {
        assert_eq!(
            super::tokens("User $user$ ran $command$ at $$"),
            [(5, "user"), (16, "command")]
        );
        assert_eq!(
            crate::naming::file_stem_for("Cloud API Calls - v1.2/x"),
            "cloud_api_calls___v1_2_x"
        );
    }
}
