//! Typed reads from a [`Doc`] that collect every error.

use crate::shape::{KeyShape, MapShape, Shape};
use crate::tree::{Doc, NodeId, NodeKind, ScalarValue};
use detc_codes::{code, diag};
use detc_diag::{Diagnostic, FileId, Span};
use rapidfuzz::distance::osa;

/// A value and the bytes it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps `value` with `span`.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// Reads typed values out of one file's tree and collects diagnostics:
/// `S001` missing field, `S002` unknown key, `S003` wrong type.
pub struct Decoder<'a> {
    /// The tree.
    pub doc: &'a Doc,
    /// The file, for spans.
    pub file: FileId,
    /// Everything found so far.
    pub diags: Vec<Diagnostic>,
    /// When set, the tool (`"contentctl 4.4.7"`) whose models ignore keys
    /// they do not know (pydantic's default `extra="ignore"`): an unknown
    /// key found by [`MapReader::finish`] is then an `S006` warning (it has
    /// no effect) rather than an `S002` error. [`MapReader::finish_strict`]
    /// keeps `S002` for the models that forbid extra keys even there.
    pub extra_keys_ignored_by: Option<&'static str>,
    /// The file's text, when known: lets a missing key be found where it
    /// was indented by mistake into a block scalar above
    /// ([`MapReader::missing`]).
    pub source: Option<&'a str>,
    /// When set, every mapping read records here what it is and how its
    /// decoder reads each key it knows ([`MapShape`]): the content model's
    /// own description of its fields, from which `detc schema` writes JSON
    /// schemas.
    pub shapes: Option<Vec<MapShape>>,
}

fn kind_name(doc: &Doc, n: NodeId) -> &'static str {
    match &doc.node(n).kind {
        NodeKind::Seq(_) => "a list",
        NodeKind::Map(_) => "a mapping",
        NodeKind::Scalar(s) => match s.resolve() {
            ScalarValue::Null => "nothing (null)",
            ScalarValue::Bool(_) => "a boolean",
            ScalarValue::Int(_) => "an integer",
            ScalarValue::Float(_) => "a number",
            ScalarValue::Str(_) => "a string",
        },
    }
}

/// Finds the closest of `candidates` to `word`, when it is close enough to
/// be a likely typo, the way rustc suggests names:
///
/// - a case-insensitive match wins;
/// - else the smallest case-insensitive edit distance (Levenshtein, with a
///   swap of two neighbouring characters as one edit), when it
///   is at most one edit per three characters of `word` (at least one);
/// - else a candidate that `word` is a prefix of, or that is a prefix of
///   `word` (case-insensitive, at least four characters), the nearest in
///   length: `Windows Registry` suggests `Windows Registry Modifications`.
///
/// Ties go to the candidate that sorts first, so the answer never depends on
/// the order of `candidates` (callers pass hash sets).
///
/// Cost: one pass over each candidate's characters for a histogram; the edit
/// distance (rapidfuzz's bit-parallel optimal string alignment, stopped at
/// the cutoff) only when the histograms allow a close enough match.
/// `value` written as a YAML scalar in place of the scalar token
/// `original` (its text in the file): in the same quotes when it was
/// quoted, plain when YAML reads `value` plainly back as itself, else
/// single-quoted. For fixes that replace a value.
pub fn scalar_like(original: &str, value: &str) -> String {
    let single = || format!("'{}'", value.replace('\'', "''"));
    if original.starts_with('\'') {
        return single();
    }
    if original.starts_with('"') {
        return format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""));
    }
    let plain = !value.is_empty()
        && value.trim() == value
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains('\n')
        && !value.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        )
        && value.parse::<f64>().is_err();
    if plain { value.to_string() } else { single() }
}

pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let len = lower.chars().count();
    let max_edits = (len / 3).max(1);
    let hist = histogram(&lower);
    // Bit-parallel (Hyyrö) edit distance with a cutoff: microseconds even
    // for thousands of 60-character names.
    let osa = osa::BatchComparator::new(lower.chars());
    // (rank, candidate): lower ranks are better.
    let mut best: Option<((usize, usize), &str)> = None;
    let offer = |rank: (usize, usize), c: &'c str, best: &mut Option<((usize, usize), &'c str)>| {
        if best.is_none_or(|(r, b)| rank < r || (rank == r && c < b)) {
            *best = Some((rank, c));
        }
    };
    for c in candidates {
        if c.eq_ignore_ascii_case(word) {
            offer((0, 0), c, &mut best);
            continue;
        }
        let clen = c.chars().count();
        let diff = clen.abs_diff(len);
        // The best rank still possible for an edit-distance match.
        let limit = match best {
            Some(((1, e), _)) => e.min(max_edits),
            Some(((0, _), _)) => continue,
            _ => max_edits,
        };
        // Lowercased once, only for a candidate that gets this far.
        let mut c_lower: Option<String> = None;
        if diff <= limit {
            let cl = c_lower.insert(c.to_lowercase());
            if histogram_distance(&hist, &histogram(cl)) <= limit
                && let Some(edits) =
                    osa.distance_with_args(cl.chars(), &osa::Args::default().score_cutoff(limit))
            {
                offer((1, edits), c, &mut best);
                continue;
            }
        }
        if best.is_none_or(|((kind, _), _)| kind >= 2) && len.min(clen) >= 4 {
            let cl = c_lower.get_or_insert_with(|| c.to_lowercase());
            if cl.starts_with(&lower) || lower.starts_with(cl.as_str()) {
                offer((2, diff), c, &mut best);
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Byte counts of `s` in 64 buckets (ASCII letters and digits apart, the rest
/// shared). Sharing buckets only lowers [`histogram_distance`], so it stays a
/// lower bound of the edit distance.
fn histogram(s: &str) -> [u16; 64] {
    let mut h = [0u16; 64];
    for c in s.chars() {
        let b = match c {
            'a'..='z' => c as usize - 'a' as usize,
            '0'..='9' => 26 + (c as usize - '0' as usize),
            c if c.is_ascii() => 36 + (c as usize % 27),
            _ => 63,
        };
        h[b] = h[b].saturating_add(1);
    }
    h
}

/// A lower bound of the edit distance between two strings from their
/// histograms: each edit changes at most one count up and one down.
fn histogram_distance(a: &[u16; 64], b: &[u16; 64]) -> usize {
    let (mut more, mut fewer) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        if x > y {
            more += usize::from(x - y);
        } else {
            fewer += usize::from(y - x);
        }
    }
    more.max(fewer)
}

impl<'a> Decoder<'a> {
    /// A decoder over `doc` of `file`.
    pub fn new(doc: &'a Doc, file: FileId) -> Self {
        Decoder {
            doc,
            file,
            diags: Vec::new(),
            extra_keys_ignored_by: None,
            source: None,
            shapes: None,
        }
    }

    /// The same decoder, knowing the file's text (see [`Decoder::source`]).
    pub fn with_source(mut self, text: &'a str) -> Self {
        self.source = Some(text);
        self
    }

    /// The span of node `n`.
    pub fn span(&self, n: NodeId) -> Span {
        self.doc.node(n).span
    }

    /// Whether `n` is a null scalar (`~`, `null` or nothing).
    pub fn is_null(&self, n: NodeId) -> bool {
        matches!(&self.doc.node(n).kind, NodeKind::Scalar(s) if s.resolve() == ScalarValue::Null)
    }

    /// Whether `n` is a mapping with the plain key `key` (reads nothing,
    /// reports nothing: for telling formats apart before decoding).
    pub fn has_key(&self, n: NodeId, key: &str) -> bool {
        match &self.doc.node(n).kind {
            NodeKind::Map(pairs) => pairs.iter().any(
                |(k, _)| matches!(&self.doc.node(*k).kind, NodeKind::Scalar(s) if s.text == key),
            ),
            _ => false,
        }
    }

    /// The value of `key` in mapping `n`, without reading it (see
    /// [`Decoder::has_key`]).
    pub fn peek(&self, n: NodeId, key: &str) -> Option<NodeId> {
        match &self.doc.node(n).kind {
            NodeKind::Map(pairs) => pairs.iter().find_map(|(k, v)| {
                matches!(&self.doc.node(*k).kind, NodeKind::Scalar(s) if s.text == key)
                    .then_some(*v)
            }),
            _ => None,
        }
    }

    /// Whether `n` is a non-null scalar.
    pub fn is_scalar(&self, n: NodeId) -> bool {
        matches!(&self.doc.node(n).kind, NodeKind::Scalar(_)) && !self.is_null(n)
    }

    /// Whether `n` is a boolean scalar (`true`, `false`, in YAML 1.2's core schema).
    pub fn is_bool(&self, n: NodeId) -> bool {
        matches!(&self.doc.node(n).kind, NodeKind::Scalar(s) if matches!(s.resolve(), ScalarValue::Bool(_)))
    }

    /// Records a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn type_error(&mut self, n: NodeId, field: &str, expected: &str, help: &str) {
        let found = kind_name(self.doc, n);
        let d = diag(
            code::S003,
            format!("`{field}` must be {expected}, found {found}"),
        )
        .at(self.span(n))
        .label(format!("expected {expected}"));
        let d = if help.is_empty() { d } else { d.help(help) };
        self.diags.push(d);
    }

    /// Reads a mapping; `what` names it in messages ("detection", "tags").
    pub fn map(&mut self, n: NodeId, what: &str) -> Option<MapReader> {
        match &self.doc.node(n).kind {
            NodeKind::Map(pairs) => {
                let mut entries = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    match &self.doc.node(*k).kind {
                        NodeKind::Scalar(s) => entries.push((s.text.clone(), *k, *v)),
                        _ => self.diags.push(
                            diag(code::S003, format!("a key of {what} is not a plain name"))
                                .at(self.span(*k))
                                .help("keys are field names such as `name` or `search`"),
                        ),
                    }
                }
                let used = vec![false; entries.len()];
                Some(MapReader {
                    span: self.span(n),
                    what: what.to_string(),
                    entries,
                    used,
                    node: n,
                    record: self.shapes.is_some(),
                    shapes: Vec::new(),
                    free_form: false,
                    known: Vec::new(),
                })
            }
            _ => {
                self.type_error(n, what, "a mapping of `key: value` lines", "");
                None
            }
        }
    }

    /// Reads a string. Plain scalars that YAML reads as another type
    /// (`true`, `12`, `~`) are refused, as pydantic's `str` refuses them.
    pub fn string(&mut self, n: NodeId, field: &str) -> Option<Spanned<String>> {
        if let NodeKind::Scalar(s) = &self.doc.node(n).kind {
            if let ScalarValue::Str(t) = s.resolve() {
                return Some(Spanned::new(t.to_string(), self.span(n)));
            }
            if s.resolve() != ScalarValue::Null {
                let help = format!("quote the value to make it a string: `'{}'`", s.text);
                self.type_error(n, field, "a string", &help);
                return None;
            }
        }
        self.type_error(n, field, "a string", "");
        None
    }

    /// Reads any scalar as its text (a number or boolean as written), for
    /// fields pydantic coerces to `str` from YAML numbers such as a TA
    /// `version: 7.5`. A mapping or list is a type error.
    pub fn scalar_text(&mut self, n: NodeId, field: &str) -> Option<Spanned<String>> {
        if let NodeKind::Scalar(s) = &self.doc.node(n).kind
            && s.resolve() != ScalarValue::Null
        {
            return Some(Spanned::new(s.text.clone(), self.span(n)));
        }
        self.type_error(n, field, "a value", "");
        None
    }

    /// Reads an integer; a quoted decimal string is accepted (pydantic lax mode).
    pub fn int(&mut self, n: NodeId, field: &str) -> Option<Spanned<i64>> {
        if let NodeKind::Scalar(s) = &self.doc.node(n).kind {
            match s.resolve() {
                ScalarValue::Int(i) => return Some(Spanned::new(i, self.span(n))),
                ScalarValue::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => {
                    return Some(Spanned::new(f as i64, self.span(n)));
                }
                ScalarValue::Str(t) => {
                    if let Ok(i) = t.trim().parse::<i64>() {
                        return Some(Spanned::new(i, self.span(n)));
                    }
                }
                _ => {}
            }
        }
        self.type_error(n, field, "an integer", "");
        None
    }

    /// Reads a boolean; `'true'`, `'false'`, `'yes'`, `'no'`, `'1'`, `'0'`
    /// strings are accepted (pydantic lax mode).
    pub fn bool(&mut self, n: NodeId, field: &str) -> Option<Spanned<bool>> {
        if let NodeKind::Scalar(s) = &self.doc.node(n).kind {
            let v = match s.resolve() {
                ScalarValue::Bool(b) => Some(b),
                ScalarValue::Int(0) => Some(false),
                ScalarValue::Int(1) => Some(true),
                ScalarValue::Str(t) => match t.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" | "t" | "y" => Some(true),
                    "false" | "no" | "off" | "0" | "f" | "n" => Some(false),
                    _ => None,
                },
                _ => None,
            };
            if let Some(b) = v {
                return Some(Spanned::new(b, self.span(n)));
            }
        }
        self.type_error(n, field, "true or false", "");
        None
    }

    /// Reads a list's items. A null value reads as an empty list.
    pub fn seq(&mut self, n: NodeId, field: &str) -> Option<Vec<NodeId>> {
        match &self.doc.node(n).kind {
            NodeKind::Seq(items) => Some(items.clone()),
            _ if self.is_null(n) => Some(Vec::new()),
            _ => {
                self.type_error(
                    n,
                    field,
                    "a list",
                    &format!(
                        "write each item on its own line under `{field}:`, starting with `- `"
                    ),
                );
                None
            }
        }
    }

    /// Reads a list of strings; bad items are reported and skipped.
    pub fn string_list(&mut self, n: NodeId, field: &str) -> Option<Vec<Spanned<String>>> {
        let items = self.seq(n, field)?;
        Some(
            items
                .into_iter()
                .filter_map(|i| self.string(i, field))
                .collect(),
        )
    }
}

/// Reads one mapping's fields by name, remembering which were read so that
/// [`MapReader::finish`] can report the rest as unknown keys.
pub struct MapReader {
    /// The mapping's span.
    pub span: Span,
    what: String,
    entries: Vec<(String, NodeId, NodeId)>,
    used: Vec<bool>,
    known: Vec<&'static str>,
    node: NodeId,
    /// Whether to record shapes ([`Decoder::shapes`] is set): off, noting
    /// costs nothing on the validation path.
    record: bool,
    shapes: Vec<KeyShape>,
    free_form: bool,
}

impl MapReader {
    /// Records how the decoder reads `key` (see [`Decoder::shapes`]).
    pub fn note(&mut self, key: &'static str, shape: Shape) {
        self.note_req(key, shape, false);
    }

    /// Records that `key` holds one of `allowed`.
    pub fn note_enum(&mut self, key: &'static str, allowed: &[&str]) {
        if !self.record {
            return;
        }
        self.note(
            key,
            Shape::Enum(allowed.iter().map(|s| s.to_string()).collect()),
        );
    }

    /// Records that `key` holds a list of values of `allowed`.
    pub fn note_enum_list(&mut self, key: &'static str, allowed: &[&str]) {
        if !self.record {
            return;
        }
        self.note(
            key,
            Shape::EnumList(allowed.iter().map(|s| s.to_string()).collect()),
        );
    }

    /// Records `key` as required (its absence is an error).
    pub fn note_required(&mut self, key: &'static str) {
        self.note_req(key, Shape::Any, true);
    }

    fn note_req(&mut self, key: &'static str, shape: Shape, required: bool) {
        if self.record {
            crate::shape::note(&mut self.shapes, key, shape, required);
        }
    }

    /// The value of `key`, or `None` when the key is absent.
    pub fn get(&mut self, key: &'static str) -> Option<NodeId> {
        self.known.push(key);
        self.note_req(key, Shape::Any, false);
        // A duplicate key (`Y002`) keeps its last value, as PyYAML's
        // `safe_load` (which contentctl reads content with) does.
        let i = self.entries.iter().rposition(|(k, _, _)| k == key)?;
        for (j, (k, _, _)) in self.entries.iter().enumerate() {
            if k == key {
                self.used[j] = true;
            }
        }
        Some(self.entries[i].2)
    }

    /// The value of `key`, treating an explicit null as absent.
    pub fn get_some(&mut self, de: &Decoder, key: &'static str) -> Option<NodeId> {
        self.get(key).filter(|n| !de.is_null(*n))
    }

    /// The span of `key` itself (the name before the colon), if present.
    pub fn key_span(&self, de: &Decoder, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .rfind(|(k, _, _)| k == key)
            .map(|(_, k, _)| de.span(*k))
    }

    /// Every `(key, key node, value node)` of a mapping whose keys are data
    /// (not field names), in file order; all count as read.
    pub fn take_all(&mut self) -> Vec<(String, NodeId, NodeId)> {
        self.free_form = true;
        self.used.iter_mut().for_each(|u| *u = true);
        self.entries.clone()
    }

    /// Whether `key` is present and has been read.
    pub fn was_read(&self, key: &str) -> bool {
        self.entries
            .iter()
            .zip(&self.used)
            .any(|((k, _, _), u)| *u && k == key)
    }

    /// Whether `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _, _)| k == key)
    }

    /// Where a missing field is reported: the mapping's first key.
    fn anchor(&self, de: &Decoder) -> Span {
        self.entries
            .first()
            .map(|(_, k, _)| de.span(*k))
            .unwrap_or(self.span)
    }

    /// Where `key:` was written inside the text of another key's value: a
    /// line of a block scalar (`|-`, `>`) indented one step too far, so
    /// that YAML reads it as text. `(span of the key's name, the key it
    /// went into)`.
    fn swallowed(&self, de: &Decoder, key: &str) -> Option<(Span, String)> {
        let text = de.source?;
        for (k, _, v) in &self.entries {
            let NodeKind::Scalar(s) = &de.doc.node(*v).kind else {
                continue;
            };
            if s.plain || !s.text.contains('\n') {
                continue;
            }
            let span = de.span(*v);
            let raw = text.get(span.start..span.end)?;
            let mut at = 0;
            for line in raw.split_inclusive('\n') {
                let body = line.trim_start_matches(' ');
                let indent = line.len() - body.len();
                if at > 0 && body.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
                    let start = span.start + at + indent;
                    return Some((Span::new(span.file, start, start + key.len()), k.clone()));
                }
                at += line.len();
            }
        }
        None
    }

    /// Reports `key` as missing (`S001`), at the mapping's first key, or
    /// where its text sits when it was indented into a block scalar above.
    pub fn missing(&self, de: &mut Decoder, key: &str, expected: &str) {
        let what = self.what.clone();
        if let Some((span, into)) = self.swallowed(de, key) {
            de.push(
                diag(code::S001, format!("{what} is missing required field `{key}`: it is indented into the text of `{into}`"),
                )
                .at(span)
                .label(format!("part of `{into}`'s text, not a key"))
                .help(format!("unindent `{key}:` to line up with `{into}:`; indented under a `|` or `>` block, YAML reads it as a line of that block")),
            );
            return;
        }
        let at = self.anchor(de);
        de.push(
            diag(
                code::S001,
                format!("{what} is missing required field `{key}`"),
            )
            .at(at)
            .label(format!("in this {what}"))
            .help(format!("add `{key}:` with {expected}")),
        );
    }

    /// A required value node: reports `S001` when absent or null.
    pub fn req(&mut self, de: &mut Decoder, key: &'static str, expected: &str) -> Option<NodeId> {
        self.note_req(key, Shape::Any, true);
        let n = self.get_some(de, key);
        if n.is_none() {
            self.missing(de, key, expected);
        }
        n
    }

    /// A required string.
    pub fn req_str(&mut self, de: &mut Decoder, key: &'static str) -> Option<Spanned<String>> {
        self.note_req(key, Shape::Str, true);
        let n = self.req(de, key, "a string")?;
        de.string(n, key)
    }

    /// An optional string (absent or null gives `None`).
    pub fn opt_str(&mut self, de: &mut Decoder, key: &'static str) -> Option<Spanned<String>> {
        self.note(key, Shape::Str);
        let n = self.get_some(de, key)?;
        de.string(n, key)
    }

    /// A required integer.
    pub fn req_int(&mut self, de: &mut Decoder, key: &'static str) -> Option<Spanned<i64>> {
        self.note_req(key, Shape::Int, true);
        let n = self.req(de, key, "a whole number")?;
        de.int(n, key)
    }

    /// An optional integer.
    pub fn opt_int(&mut self, de: &mut Decoder, key: &'static str) -> Option<Spanned<i64>> {
        self.note(key, Shape::Int);
        let n = self.get_some(de, key)?;
        de.int(n, key)
    }

    /// [`MapReader::req_str`] when `required`, else [`MapReader::opt_str`].
    pub fn str_field(
        &mut self,
        de: &mut Decoder,
        key: &'static str,
        required: bool,
    ) -> Option<Spanned<String>> {
        if required {
            self.req_str(de, key)
        } else {
            self.opt_str(de, key)
        }
    }

    /// [`MapReader::req_int`] when `required`, else [`MapReader::opt_int`].
    pub fn int_field(
        &mut self,
        de: &mut Decoder,
        key: &'static str,
        required: bool,
    ) -> Option<Spanned<i64>> {
        if required {
            self.req_int(de, key)
        } else {
            self.opt_int(de, key)
        }
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, de: &mut Decoder, key: &'static str) -> Option<Spanned<bool>> {
        self.note(key, Shape::Bool);
        let n = self.get_some(de, key)?;
        de.bool(n, key)
    }

    /// An optional list of strings (absent gives an empty list).
    pub fn str_list(&mut self, de: &mut Decoder, key: &'static str) -> Vec<Spanned<String>> {
        self.note(key, Shape::StrList);
        match self.get_some(de, key) {
            Some(n) => de.string_list(n, key).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// A required list of strings.
    pub fn req_str_list(
        &mut self,
        de: &mut Decoder,
        key: &'static str,
    ) -> Option<Vec<Spanned<String>>> {
        self.note_req(key, Shape::StrList, true);
        let n = self.req(de, key, "a list of strings")?;
        de.string_list(n, key)
    }

    /// Reports every key that was never asked for as unknown (`S002`),
    /// with the closest known key as a hint; but where the decoder says a
    /// tool ignores extra keys ([`Decoder::extra_keys_ignored_by`]), as
    /// an `S006` warning: the key has no effect in that tool's build.
    pub fn finish(self, de: &mut Decoder) {
        let lenient = de.extra_keys_ignored_by;
        self.report_unknown(de, lenient);
    }

    /// Like [`MapReader::finish`], but always `S002`: for models that
    /// forbid extra keys in every contentctl (4.4.7's `StoryTags`).
    pub fn finish_strict(self, de: &mut Decoder) {
        self.report_unknown(de, None);
    }

    fn report_unknown(self, de: &mut Decoder, ignored_by: Option<&'static str>) {
        if let Some(rec) = de.shapes.as_mut() {
            let mut keys = self.shapes.clone();
            for k in &mut keys {
                k.value = self
                    .entries
                    .iter()
                    .find(|(name, _, _)| name == k.key)
                    .map(|e| e.2);
            }
            rec.push(MapShape {
                what: self.what.clone(),
                node: self.node,
                keys,
                free_form: self.free_form,
            });
        }
        for (i, (k, kn, _)) in self.entries.iter().enumerate() {
            if self.used[i] || self.known.contains(&k.as_str()) {
                continue;
            }
            let hint = did_you_mean(k, self.known.iter().copied());
            // A rename is offered as a fix only when the map lacks the key
            // it would give (else it would be a duplicate).
            let rename = hint.filter(|s| !self.entries.iter().any(|(e, _, _)| e == s));
            let d = match ignored_by {
                Some(tool) => {
                    let typo = hint
                        .map(|s| format!("if you meant `{s}`, rename it; otherwise "))
                        .unwrap_or_default();
                    let d = diag(code::S006, format!("unknown key `{k}` in {} has no effect: {tool} ignores it", self.what),
                    )
                    .at(de.span(*kn))
                    .label("ignored")
                    .help(format!(
                        "{typo}remove it: contentctl 5 refuses unknown keys (`detc migrate` removes it)"
                    ));
                    match rename {
                        Some(s) => d.fix(format!("rename to `{s}`"), de.span(*kn), s),
                        None => d,
                    }
                }
                None => {
                    let d = diag(code::S002, format!("unknown key `{k}` in {}", self.what))
                        .at(de.span(*kn))
                        .label("not a field of this object");
                    match hint {
                        Some(s) => {
                            let d = d.help(format!("did you mean `{s}`?"));
                            match rename {
                                Some(r) => d.fix(format!("rename to `{r}`"), de.span(*kn), r),
                                None => d,
                            }
                        }
                        None => {
                            let mut known: Vec<&str> = self.known.clone();
                            known.sort_unstable();
                            known.dedup();
                            d.help(format!(
                                "the fields of {} are: {}",
                                self.what,
                                known.join(", ")
                            ))
                        }
                    }
                }
            };
            de.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, parse};

    #[test]
    fn unknown_keys_missing_fields_and_types_are_all_reported() {
        let t = "nmae: x\nversion: abc\nenabled: 'yes'\n";
        let (doc, d) = parse(t, FileId(0), Limits::default());
        assert!(d.is_empty());
        let doc = doc.unwrap();
        let mut de = Decoder::new(&doc, FileId(0));
        let mut m = de.map(doc.root.unwrap(), "detection").unwrap();
        assert!(m.req_str(&mut de, "name").is_none());
        assert!(m.req_int(&mut de, "version").is_none());
        assert_eq!(m.opt_bool(&mut de, "enabled").map(|b| b.value), Some(true));
        m.finish(&mut de);
        let codes: Vec<_> = de.diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["S001", "S003", "S002"]);
        assert_eq!(de.diags[2].help.as_deref(), Some("did you mean `name`?"));
    }

    #[test]
    fn unquoted_number_is_not_a_string() {
        let (doc, _) = parse("name: 12\n", FileId(0), Limits::default());
        let doc = doc.unwrap();
        let mut de = Decoder::new(&doc, FileId(0));
        let mut m = de.map(doc.root.unwrap(), "macro").unwrap();
        assert!(m.req_str(&mut de, "name").is_none());
        assert!(de.diags[0].help.as_deref().unwrap().contains("'12'"));
    }

    #[test]
    fn did_you_mean_suggests_typos_prefixes_and_nothing_unrelated() {
        let stories = ["Cobalt Strike", "Windows Registry Abuse", "Ransomware"];
        assert_eq!(did_you_mean("Cobalt Strik", stories), Some("Cobalt Strike"));
        assert_eq!(
            did_you_mean("cobalt strike", stories),
            Some("Cobalt Strike")
        );
        assert_eq!(
            did_you_mean("Windows Registry", stories),
            Some("Windows Registry Abuse")
        );
        // Jaro-Winkler used to offer this: a shared first word is no typo.
        let detections = [
            "Detect Distributed Password Spray Attempts",
            "Detect Rare Executables",
        ];
        assert_eq!(
            did_you_mean(
                "Detect Prohibited Applications Spawning cmd.exe",
                detections
            ),
            None
        );
        assert_eq!(
            did_you_mean("T1059.01", ["T1059.001", "T1059"]),
            Some("T1059.001")
        );
        assert_eq!(did_you_mean("x", ["y", "abc"]), Some("y"));
    }

    #[test]
    fn did_you_mean_breaks_ties_by_name_whatever_the_order() {
        let a = ["user_b", "user_a"];
        let b = ["user_a", "user_b"];
        assert_eq!(did_you_mean("user_c", a), Some("user_a"));
        assert_eq!(did_you_mean("user_c", b), Some("user_a"));
    }

    #[test]
    fn histogram_distance_is_a_lower_bound_of_the_edit_distance() {
        for (a, b) in [
            ("kitten", "sitting"),
            ("process_name", "parent_process_name"),
            ("sysmon eventid 1", "sysmon eventid 3"),
            ("é", "e"),
            ("", "abc"),
        ] {
            let bound = histogram_distance(&histogram(a), &histogram(b));
            assert!(bound <= osa::distance(a.chars(), b.chars()), "{a} / {b}");
        }
        assert_eq!(histogram_distance(&histogram("abc"), &histogram("abd")), 1);
    }
}
