//! The 3-way merge of one YAML file, field by field.
//!
//! The result starts from upstream's new text and carries over each local
//! edit (a field whose value differs between the base release and the
//! fork), so upstream's formatting, comments and new fields stay as they
//! are and the fork's tuning lands on the same field. A field changed on
//! both sides to different values is a conflict: the local value is kept
//! (the fork keeps building as its owner tuned it) and upstream's entry is
//! written as a comment above it, so both sides are in the file.

use detc_diag::FileId;
use detc_yaml::{Doc, Limits, NodeId, NodeKind, ScalarValue};
use serde_json::Value;

/// What merging one file gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged text.
    pub text: String,
    /// Dotted paths of the local edits carried over (`tags.risk_score`).
    pub kept: Vec<String>,
    /// The fields changed on both sides.
    pub conflicts: Vec<FieldConflict>,
}

/// A field changed locally and upstream to different values.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// Dotted path of the field.
    pub field: String,
    /// 1-based line of the conflict's comment in the merged text.
    pub line: usize,
    /// What happened, for the report.
    pub message: String,
}

/// The marker that opens a conflict's comment.
pub const CONFLICT_MARK: &str = "# detc upgrade: conflict in";

struct Yaml<'a> {
    text: &'a str,
    doc: Doc,
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

impl<'a> Yaml<'a> {
    /// The file's tree, when it reads without a YAML error (a syntax
    /// error, a duplicate key, a tab) as a block mapping.
    fn parse(text: &'a str) -> Option<Yaml<'a>> {
        let (doc, diags) = detc_yaml::parse(text, FileId(0), Limits::default());
        if diags
            .iter()
            .any(|d| d.severity == detc_diag::Severity::Error)
        {
            return None;
        }
        let y = Yaml { text, doc: doc? };
        let root = y.doc.root?;
        y.block_map(root).then_some(y)
    }

    fn root(&self) -> Option<NodeId> {
        self.doc.root
    }

    fn pairs(&self, map: NodeId) -> Vec<(String, NodeId, NodeId)> {
        match &self.doc.node(map).kind {
            NodeKind::Map(p) => p
                .iter()
                .filter_map(|(k, v)| match &self.doc.node(*k).kind {
                    NodeKind::Scalar(s) => Some((s.text.clone(), *k, *v)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |i| at + i + 1)
    }

    /// A block mapping whose every key starts its own line (after spaces
    /// only): its entries can be cut and pasted as lines.
    fn block_map(&self, n: NodeId) -> bool {
        let node = self.doc.node(n);
        let NodeKind::Map(pairs) = &node.kind else {
            return false;
        };
        if self.text[node.span.start..].starts_with('{') {
            return false;
        }
        pairs.iter().all(|(k, _)| {
            let at = self.doc.node(*k).span.start;
            let s = self.line_start(at);
            self.text[s..at].bytes().all(|b| b == b' ')
        })
    }

    /// Where the text of node `n` ends, without the comments and blank
    /// lines after it that a collection's span takes in: the end of its
    /// last scalar.
    fn content_end(&self, n: NodeId) -> usize {
        let node = self.doc.node(n);
        let last = match &node.kind {
            NodeKind::Scalar(_) => None,
            NodeKind::Seq(items) => items.last().copied(),
            NodeKind::Map(pairs) => pairs.last().map(|(_, v)| *v),
        };
        match last {
            Some(l) => self.content_end(l),
            None => node.span.end.max(node.span.start),
        }
    }

    /// Where entry `i` of `map` starts: its key's line, or the first of
    /// the comment lines right above it (at most as indented as the key,
    /// so never a line of the previous entry's value), which go with it.
    fn entry_start(&self, pairs: &[(String, NodeId, NodeId)], i: usize) -> usize {
        let key = pairs[i].1;
        let col = self.column(key);
        let floor = i.checked_sub(1).map_or(0, |p| self.content_end(pairs[p].2));
        let mut start = self.line_start(self.doc.node(key).span.start);
        while start > 0 {
            let above = self.line_start(start - 1);
            let line = &self.text[above..start];
            let indent = line.bytes().take_while(|b| *b == b' ').count();
            if above < floor || indent > col || !line.trim_start().starts_with('#') {
                break;
            }
            start = above;
        }
        start
    }

    /// The byte range of entry `i` of `map`: from its leading comments or
    /// key's line to the next entry's start, or to the end of its value's
    /// last line.
    fn entry(&self, map: NodeId, i: usize) -> (usize, usize) {
        let pairs = self.pairs(map);
        let start = self.entry_start(&pairs, i);
        let end = if i + 1 < pairs.len() {
            self.entry_start(&pairs, i + 1)
        } else {
            let v = self.doc.node(pairs[i].2).span;
            let last = v.end.max(v.start).saturating_sub(1).max(start);
            self.line_end(last.min(self.text.len().saturating_sub(1)))
        };
        (start, end.max(start))
    }

    /// Entry `i` of `map` as text moved to column 0, to compare the
    /// entries' comments and layout across files.
    fn entry_text(&self, map: NodeId, i: usize) -> String {
        let (s, e) = self.entry(map, i);
        let key = self.pairs(map)[i].1;
        reindent(&self.text[s..e], self.column(key), 0)
    }

    /// The column of a key (its line's leading spaces).
    fn column(&self, key: NodeId) -> usize {
        let at = self.doc.node(key).span.start;
        at - self.line_start(at)
    }

    /// A value in a form that compares as YAML means it: plain scalars
    /// resolved (`'1'` is not `1`), mappings without their key order.
    fn canon(&self, n: NodeId) -> Value {
        match &self.doc.node(n).kind {
            NodeKind::Scalar(s) => match s.resolve() {
                ScalarValue::Null => Value::Null,
                ScalarValue::Bool(b) => Value::Bool(b),
                ScalarValue::Int(i) => Value::from(i),
                ScalarValue::Float(f) => Value::String(format!("{f}")),
                ScalarValue::Str(t) => Value::String(t.to_string()),
            },
            NodeKind::Seq(items) => Value::Array(items.iter().map(|i| self.canon(*i)).collect()),
            NodeKind::Map(_) => Value::Object(
                self.pairs(n)
                    .into_iter()
                    .map(|(k, _, v)| (k, self.canon(v)))
                    .collect(),
            ),
        }
    }
}

/// `text` with each line moved from column `from` to column `to`.
fn reindent(text: &str, from: usize, to: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        if to >= from {
            if line.trim().is_empty() {
                out.push_str(line);
            } else {
                out.push_str(&" ".repeat(to - from));
                out.push_str(line);
            }
        } else {
            let spaces = line.bytes().take_while(|b| *b == b' ').count();
            out.push_str(&line[spaces.min(from - to)..]);
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The comment lines of a conflict, showing `shown`: whose side
/// (`upstream's side`) and its text; `None` for an entry upstream removed.
fn conflict_comment(field: &str, what: &str, shown: Option<(&str, &str)>, col: usize) -> String {
    let pad = " ".repeat(col);
    let mut out = format!("{pad}{CONFLICT_MARK} `{field}`: {what}\n");
    match shown {
        Some((side, text)) => {
            out.push_str(&format!("{pad}# {side}:\n"));
            for line in text.lines() {
                out.push_str(&format!(
                    "{pad}#   {}\n",
                    line.get(col..).unwrap_or(line.trim_start())
                ));
            }
        }
        None => out.push_str(&format!("{pad}# upstream's side: the key is removed\n")),
    }
    out
}

struct Cx<'a, 'b> {
    base: &'b Yaml<'a>,
    fork: &'b Yaml<'a>,
    new: &'b Yaml<'a>,
    upstream: &'b str,
    edits: Vec<Edit>,
    kept: Vec<String>,
    conflicts: Vec<(String, String)>,
}

impl Cx<'_, '_> {
    /// Records a conflict on `field` and returns its comment lines.
    fn conflict(
        &mut self,
        field: &str,
        what: &str,
        shown: Option<(&str, &str)>,
        col: usize,
    ) -> String {
        self.conflicts.push((field.to_string(), what.to_string()));
        conflict_comment(field, what, shown, col)
    }

    fn fork_entry(&self, map: NodeId, i: usize, to_col: usize) -> String {
        let (s, e) = self.fork.entry(map, i);
        let key = self.fork.pairs(map)[i].1;
        reindent(&self.fork.text[s..e], self.fork.column(key), to_col)
    }

    /// Carries over a local edit of entry `fi` of `f` that left its value
    /// as entry `bi` of `b` had it: a comment added or changed, a value
    /// laid out otherwise. Upstream's entry `ni` of `n` gives way where
    /// upstream left it as the base had it; mappings are gone into; where
    /// upstream changed or removed the entry, upstream's value stands and
    /// the fork's entry is written as a commented conflict above it.
    #[allow(clippy::too_many_arguments)]
    fn comment_edit(
        &mut self,
        b: NodeId,
        bi: usize,
        f: NodeId,
        fi: usize,
        n: NodeId,
        ni: Option<usize>,
        field: &str,
    ) {
        let base_text = self.base.entry_text(b, bi);
        if base_text == self.fork.entry_text(f, fi) {
            return;
        }
        let (bv, fv) = (self.base.pairs(b)[bi].2, self.fork.pairs(f)[fi].2);
        let Some(ni) = ni else {
            // Removed upstream: the removal stands, the fork's text is
            // kept as a comment at the end of the mapping.
            let np = self.new.pairs(n);
            let col = self.fork.column(self.fork.pairs(f)[fi].1);
            let at = np
                .len()
                .checked_sub(1)
                .map_or(self.new.text.len(), |l| self.new.entry(n, l).1);
            let text = self.conflict(
                field,
                &format!("commented or laid out otherwise locally and removed in upstream {}; it stays removed, the local entry is in this comment", self.upstream),
                Some(("the local side", &self.fork_entry(f, fi, col))),
                col,
            );
            self.edits.push(Edit {
                start: at,
                end: at,
                text,
            });
            return;
        };
        let nv = self.new.pairs(n)[ni].2;
        if self.new.entry_text(n, ni) == base_text {
            self.kept.push(format!("{field} (comment or layout)"));
            let col = self.new.column(self.new.pairs(n)[ni].1);
            let (s, e) = self.new.entry(n, ni);
            let text = self.fork_entry(f, fi, col);
            self.edits.push(Edit {
                start: s,
                end: e,
                text,
            });
        } else if self.base.block_map(bv) && self.fork.block_map(fv) && self.new.block_map(nv) {
            self.nested(b, bi, f, fi, n, ni, field);
        } else {
            let col = self.new.column(self.new.pairs(n)[ni].1);
            let (s, _) = self.new.entry(n, ni);
            let text = self.conflict(
                field,
                &format!("commented or laid out otherwise locally and changed in upstream {}; upstream's value below is taken, the local entry is in this comment", self.upstream),
                Some(("the local side", &self.fork_entry(f, fi, col))),
                col,
            );
            self.edits.push(Edit {
                start: s,
                end: s,
                text,
            });
        }
    }

    /// Merges entry `fi` of `f`, a mapping in all three files, into entry
    /// `ni` of `n`: its head (the comments above its key and the key's
    /// line) as [`Cx::comment_edit`] merges an entry, then its fields.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        &mut self,
        b: NodeId,
        bi: usize,
        f: NodeId,
        fi: usize,
        n: NodeId,
        ni: usize,
        field: &str,
    ) {
        let head = |y: &Yaml, map: NodeId, i: usize| {
            let (s, _) = y.entry(map, i);
            let key = y.pairs(map)[i].1;
            let e = y.line_end(y.doc.node(key).span.start);
            (s, e, reindent(&y.text[s..e], y.column(key), 0))
        };
        let (_, _, bh) = head(self.base, b, bi);
        let (fs, fe, fh) = head(self.fork, f, fi);
        let (ns, ne, nh) = head(self.new, n, ni);
        if bh != fh {
            let col = self.new.column(self.new.pairs(n)[ni].1);
            let fork_head = reindent(
                &self.fork.text[fs..fe],
                self.fork.column(self.fork.pairs(f)[fi].1),
                col,
            );
            if nh == bh {
                self.kept.push(format!("{field} (comment)"));
                self.edits.push(Edit {
                    start: ns,
                    end: ne,
                    text: fork_head,
                });
            } else {
                let text = self.conflict(
                    field,
                    &format!("its comments or key line edited locally and in upstream {}; upstream's are taken, the local ones are in this comment", self.upstream),
                    Some(("the local side", &fork_head)),
                    col,
                );
                self.edits.push(Edit {
                    start: ns,
                    end: ns,
                    text,
                });
            }
        }
        let (bv, fv, nv) = (
            self.base.pairs(b)[bi].2,
            self.fork.pairs(f)[fi].2,
            self.new.pairs(n)[ni].2,
        );
        self.map(Some(bv), fv, nv, field);
    }

    /// Merges the mapping `f` of the fork into the mapping `n` of
    /// upstream's text, with `b` the base's (absent when the whole
    /// mapping is new).
    fn map(&mut self, b: Option<NodeId>, f: NodeId, n: NodeId, prefix: &str) {
        let bp = b.map(|b| self.base.pairs(b)).unwrap_or_default();
        let fp = self.fork.pairs(f);
        let np = self.new.pairs(n);
        let get = |p: &[(String, NodeId, NodeId)], k: &str| p.iter().position(|x| x.0 == k);
        // Where a new entry goes: after upstream's last one, at its column.
        let n_col = np
            .first()
            .map(|(_, k, _)| self.new.column(*k))
            .or_else(|| fp.first().map(|(_, k, _)| self.fork.column(*k)))
            .unwrap_or(0);
        let n_end = if np.is_empty() {
            self.new.text.len()
        } else {
            self.new.entry(n, np.len() - 1).1
        };
        let mut keys: Vec<String> = fp.iter().map(|x| x.0.clone()).collect();
        let removed: Vec<String> = bp
            .iter()
            .map(|x| x.0.clone())
            .filter(|k| !keys.contains(k))
            .collect();
        keys.extend(removed);
        for k in keys {
            let (bi, fi, ni) = (get(&bp, &k), get(&fp, &k), get(&np, &k));
            let bv = bi.map(|i| self.base.canon(bp[i].2));
            let fv = fi.map(|i| self.fork.canon(fp[i].2));
            let field = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if bv == fv {
                // The same value: upstream's stands, but for a comment or
                // layout edited locally, which is carried over too.
                if let (Some(bi), Some(fi), Some(b)) = (bi, fi, b) {
                    self.comment_edit(b, bi, f, fi, n, ni, &field);
                }
                continue;
            }
            let nv = ni.map(|i| self.new.canon(np[i].2));
            if nv == fv {
                continue; // the same edit on both sides
            }
            let upstream_unchanged = nv == bv;
            match (fi, ni) {
                // Removed locally.
                (None, Some(ni)) => {
                    let (s, e) = self.new.entry(n, ni);
                    let text = if upstream_unchanged {
                        self.kept.push(format!("{field} (removed)"));
                        String::new()
                    } else {
                        let col = self.new.column(np[ni].1);
                        self.conflict(
                            &field,
                            &format!(
                                "removed locally and changed in upstream {}; it stays removed",
                                self.upstream
                            ),
                            Some(("upstream's side", &self.new.text[s..e])),
                            col,
                        )
                    };
                    self.edits.push(Edit {
                        start: s,
                        end: e,
                        text,
                    });
                }
                (None, None) => {} // removed on both sides
                // Added locally, or kept locally where upstream removed it.
                (Some(fi), None) => {
                    let mut text = String::new();
                    if bi.is_some() {
                        let what = self.conflict(
                            &field,
                            &format!("changed locally and removed in upstream {}; the local entry below is kept", self.upstream),
                            None,
                            n_col,
                        );
                        text.push_str(&what);
                    } else {
                        self.kept.push(field.clone());
                    }
                    text.push_str(&self.fork_entry(f, fi, n_col));
                    let mut at = n_end;
                    if at > 0 && !self.new.text[..at].ends_with('\n') {
                        text.insert(0, '\n');
                    }
                    at = at.min(self.new.text.len());
                    self.edits.push(Edit {
                        start: at,
                        end: at,
                        text,
                    });
                }
                (Some(fi), Some(ni)) => {
                    let col = self.new.column(np[ni].1);
                    let (s, e) = self.new.entry(n, ni);
                    if let Some(bi) = bi
                        && self.base.block_map(bp[bi].2)
                        && self.fork.block_map(fp[fi].2)
                        && self.new.block_map(np[ni].2)
                    {
                        // Field by field, so that the report names each
                        // local edit and upstream's text stays around it.
                        self.nested(b.unwrap_or(f), bi, f, fi, n, ni, &field);
                    } else if upstream_unchanged {
                        self.kept.push(field.clone());
                        let text = self.fork_entry(f, fi, col);
                        self.edits.push(Edit {
                            start: s,
                            end: e,
                            text,
                        });
                    } else {
                        let mut text = self.conflict(
                            &field,
                            &format!(
                                "changed locally and in upstream {}; the local value below is kept",
                                self.upstream
                            ),
                            Some(("upstream's side", &self.new.text[s..e])),
                            col,
                        );
                        text.push_str(&self.fork_entry(f, fi, col));
                        self.edits.push(Edit {
                            start: s,
                            end: e,
                            text,
                        });
                    }
                }
            }
        }
    }
}

fn apply(text: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut pos = 0;
    for e in edits {
        if e.start < pos {
            continue;
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.text);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The 3-way merge of three values as [`merge_yaml`] merges their text:
/// the fork's value where the fork changed it, mappings key by key.
fn merge_values(b: Option<&Value>, f: &Value, n: &Value) -> Value {
    if b == Some(f) {
        return n.clone();
    }
    match (b, f, n) {
        (Some(Value::Object(b)), Value::Object(f), Value::Object(n)) => {
            let mut out = n.clone();
            for k in b.keys().chain(f.keys()) {
                match (b.get(k), f.get(k), n.get(k)) {
                    (bv, Some(fv), Some(nv)) => {
                        out.insert(k.clone(), merge_values(bv, fv, nv));
                    }
                    (_, Some(fv), None) => {
                        out.insert(k.clone(), fv.clone());
                    }
                    // Removed in the fork: it stays removed.
                    (Some(_), None, Some(_)) => {
                        out.remove(k);
                    }
                    _ => {}
                }
            }
            Value::Object(out)
        }
        _ => f.clone(),
    }
}

/// Why [`merge_yaml`] left a file unmerged (the caller keeps the fork's
/// file and reports a conflict for the whole file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unmerged {
    /// This side has a YAML error (syntax, duplicate key, tab) or is not a
    /// block mapping: `"the base release's"`, `"the fork's"` or
    /// `"upstream's"`.
    Unreadable(&'static str),
    /// The field edits could not be placed in upstream's text so that it
    /// reads as the merge means (a check made on every merge).
    Unplaced,
}

/// Merges a YAML file: `base` (the release the fork branched from),
/// `fork` (the fork's file) and `new` (the newer release's), each the
/// text of a block mapping. `upstream` names the newer release in
/// comments (`v4.42.0`).
///
/// # Errors
/// [`Unmerged`] when a side cannot be read or the edits cannot be
/// placed; nothing is lost, the caller keeps the fork's file.
pub fn merge_yaml(base: &str, fork: &str, new: &str, upstream: &str) -> Result<Merged, Unmerged> {
    let read = |text, side| {
        Yaml::parse(text)
            .and_then(|y| y.root().map(|r| (y, r)))
            .ok_or(Unmerged::Unreadable(side))
    };
    let (b, br) = read(base, "the base release's")?;
    let (f, fr) = read(fork, "the fork's")?;
    let (n, nr) = read(new, "upstream's")?;
    let mut cx = Cx {
        base: &b,
        fork: &f,
        new: &n,
        upstream,
        edits: Vec::new(),
        kept: Vec::new(),
        conflicts: Vec::new(),
    };
    cx.map(Some(br), fr, nr, "");
    let (edits, kept, found) = (cx.edits, cx.kept, cx.conflicts);
    let text = apply(new, edits);
    // The text edits must mean what a merge of the values means: a
    // merged text that reads otherwise (a comment that landed inside a
    // block scalar, an entry cut at the wrong line) is not returned, and
    // the caller keeps the fork's file whole.
    let want = merge_values(Some(&b.canon(br)), &f.canon(fr), &n.canon(nr));
    let merged = Yaml::parse(&text).ok_or(Unmerged::Unplaced)?;
    if merged.root().map(|r| merged.canon(r)) != Some(want) {
        return Err(Unmerged::Unplaced);
    }
    let conflicts = found
        .into_iter()
        .map(|(field, message)| {
            let mark = format!("{CONFLICT_MARK} `{field}`:");
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with(&mark))
                .map_or(1, |i| i + 1);
            FieldConflict {
                field,
                line,
                message,
            }
        })
        .collect();
    Ok(Merged {
        text,
        kept,
        conflicts,
    })
}

/// `app.version` of a contentctl.yml (`4.33.0`), when it is a scalar.
pub(crate) fn app_version(text: &str) -> Option<String> {
    let y = Yaml::parse(text)?;
    let app = y.pairs(y.root()?).into_iter().find(|p| p.0 == "app")?.2;
    let version = y.pairs(app).into_iter().find(|p| p.0 == "version")?.2;
    match y.canon(version) {
        Value::String(s) => Some(s),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "name: A\nid: 1\n# the threshold\nsearch: x | where c > 5\ntags:\n  risk_score: 40\n  product:\n  - Splunk\n";

    #[test]
    fn a_local_edit_lands_on_upstreams_new_text() {
        let fork = BASE.replace("c > 5", "c > 50");
        let new = BASE.replace("name: A\n", "name: A\ndescription: new upstream text\n");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(m.text, new.replace("c > 5", "c > 50"));
        assert_eq!(m.kept, ["search"]);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn nested_fields_merge_and_both_sides_of_a_conflict_are_written() {
        let fork = BASE
            .replace("risk_score: 40", "risk_score: 80")
            .replace("c > 5", "c > 50");
        let new = BASE
            .replace("  - Splunk\n", "  - Splunk\n  - Splunk Cloud\n")
            .replace("c > 5", "c > 9");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(m.kept, ["tags.risk_score"]);
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].field, "search");
        // Above the comment that goes with `search`.
        assert_eq!(m.conflicts[0].line, 3);
        assert!(m.text.contains("  - Splunk Cloud\n"), "{}", m.text);
        assert!(m.text.contains("  risk_score: 80\n"), "{}", m.text);
        assert!(
            m.text
                .contains("#   # the threshold\n#   search: x | where c > 9\n# the threshold\nsearch: x | where c > 50\n"),
            "{}",
            m.text
        );
        // The result is still YAML that reads as the merge says.
        let y = Yaml::parse(&m.text).unwrap();
        let root = y.root().unwrap();
        let search = y.pairs(root).into_iter().find(|p| p.0 == "search").unwrap();
        assert_eq!(y.canon(search.2), Value::String("x | where c > 50".into()));
    }

    #[test]
    fn added_and_removed_keys_follow_their_side() {
        // The fork adds a key and removes one upstream left alone.
        let fork = format!(
            "{}known_false_positives: our admins\n",
            BASE.replace("id: 1\n", "")
        );
        let new = BASE.replace("risk_score: 40", "risk_score: 45");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert!(!m.text.contains("id: 1"), "{}", m.text);
        assert!(
            m.text
                .ends_with("  - Splunk\nknown_false_positives: our admins\n"),
            "{}",
            m.text
        );
        assert!(m.text.contains("risk_score: 45"), "{}", m.text);
        assert_eq!(m.kept, ["known_false_positives", "id (removed)"]);
    }

    #[test]
    fn an_edit_upstream_removed_is_kept_as_a_conflict() {
        let fork = BASE.replace("risk_score: 40", "risk_score: 70");
        let new = BASE.replace("  risk_score: 40\n", "");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(m.conflicts.len(), 1, "{m:?}");
        assert!(m.text.contains("  risk_score: 70\n"), "{}", m.text);
    }

    #[test]
    fn a_local_comment_is_carried_over_or_shown() {
        // A comment added above a field upstream left alone is kept.
        let fork = BASE.replace("tags:\n", "# tuned for our estate, ticket 42\ntags:\n");
        let new = BASE.replace("name: A\n", "name: A\nversion: 2\n");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(
            m.text,
            new.replace("tags:\n", "# tuned for our estate, ticket 42\ntags:\n")
        );
        assert_eq!(m.kept, ["tags (comment or layout)"]);
        // A nested comment goes with its nested field.
        let fork = BASE.replace("  risk_score: 40\n", "  # ours\n  risk_score: 40\n");
        let new = BASE.replace("  - Splunk\n", "  - Splunk\n  - Splunk Cloud\n");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(
            m.text,
            new.replace("  risk_score: 40\n", "  # ours\n  risk_score: 40\n")
        );
        // A comment above a mapping whose fields merge stays above it.
        let fork = BASE
            .replace("tags:\n", "# reviewed\ntags: # ours\n")
            .replace("risk_score: 40", "risk_score: 60");
        let new = BASE.replace("  - Splunk\n", "  - Splunk\n  - Splunk Cloud\n");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(
            m.text,
            new.replace("tags:\n", "# reviewed\ntags: # ours\n")
                .replace("risk_score: 40", "risk_score: 60")
        );
        assert_eq!(m.kept, ["tags (comment)", "tags.risk_score"]);
        // Where upstream changed the field, upstream's value is taken and
        // the local entry, with its comment, is shown above it.
        let fork = BASE.replace(
            "search: x | where c > 5",
            "search: x | where c > 5 # keep at 5",
        );
        let new = BASE.replace("c > 5", "c > 7");
        let m = merge_yaml(BASE, &fork, &new, "v2").unwrap();
        assert_eq!(m.conflicts.len(), 1, "{m:?}");
        assert!(
            m.text.contains("# the local side:\n#   # the threshold\n#   search: x | where c > 5 # keep at 5\n# the threshold\nsearch: x | where c > 7\n"),
            "{}",
            m.text
        );
    }

    #[test]
    fn a_file_that_is_not_a_block_mapping_is_not_merged() {
        let no = Err(Unmerged::Unreadable("the base release's"));
        assert_eq!(merge_yaml("- a\n", "- b\n", "- c\n", "v2"), no);
        assert_eq!(merge_yaml("{a: 1}\n", "{a: 2}\n", "{a: 3}\n", "v2"), no);
        // A duplicate key is a YAML error: which entry to edit is unclear.
        assert_eq!(
            merge_yaml("a: 1\n", "a: 2\na: 3\n", "a: 4\n", "v2"),
            Err(Unmerged::Unreadable("the fork's"))
        );
    }
}
