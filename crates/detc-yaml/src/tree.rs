//! The node tree and the parser that builds it.

use detc_codes::{code, diag};
use detc_diag::{Diagnostic, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, SpannedEventReceiver};

/// Index of a node in a [`Doc`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u32);

/// A scalar as written.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scalar {
    /// The value after YAML unescaping and folding.
    pub text: String,
    /// True for a plain (unquoted, non-block) scalar, whose type YAML
    /// resolves from its text (`true`, `12`, `~`...).
    pub plain: bool,
    /// The explicit tag, such as `!!str`, if any.
    pub tag: Option<String>,
}

/// A plain scalar's resolved type, with YAML 1.1 rules as PyYAML applies them.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue<'a> {
    /// `~`, `null`, `Null`, `NULL` or nothing.
    Null,
    /// `true`/`false`, `yes`/`no`, `on`/`off` in their usual casings.
    Bool(bool),
    /// A decimal, `0x` or `0o` integer, `_` allowed.
    Int(i64),
    /// A float, `.inf` or `.nan`.
    Float(f64),
    /// Anything else, and every quoted or block scalar.
    Str(&'a str),
}

impl Scalar {
    /// The scalar's type as PyYAML would resolve it.
    pub fn resolve(&self) -> ScalarValue<'_> {
        if let Some(tag) = &self.tag
            && tag.ends_with("str")
        {
            return ScalarValue::Str(&self.text);
        }
        if !self.plain {
            return ScalarValue::Str(&self.text);
        }
        let t = self.text.as_str();
        match t {
            "" | "~" | "null" | "Null" | "NULL" => return ScalarValue::Null,
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
                return ScalarValue::Bool(true);
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
            | "N" => {
                return ScalarValue::Bool(false);
            }
            ".inf" | ".Inf" | ".INF" | "+.inf" => return ScalarValue::Float(f64::INFINITY),
            "-.inf" | "-.Inf" | "-.INF" => return ScalarValue::Float(f64::NEG_INFINITY),
            ".nan" | ".NaN" | ".NAN" => return ScalarValue::Float(f64::NAN),
            _ => {}
        }
        // Numbers start with a digit, a sign or a dot; anything else is a string.
        if !t.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
            return ScalarValue::Str(t);
        }
        let clean: String = t.chars().filter(|c| *c != '_').collect();
        let (neg, digits) = match clean.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
        };
        let parsed = if let Some(h) = digits.strip_prefix("0x") {
            i64::from_str_radix(h, 16).ok()
        } else if let Some(o) = digits.strip_prefix("0o") {
            i64::from_str_radix(o, 8).ok()
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse::<i64>().ok()
        } else {
            None
        };
        if let Some(v) = parsed {
            return ScalarValue::Int(if neg { -v } else { v });
        }
        let looks_float = clean.bytes().any(|b| b.is_ascii_digit())
            && clean
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
            && clean.contains('.');
        if looks_float && let Ok(f) = clean.parse::<f64>() {
            return ScalarValue::Float(f);
        }
        ScalarValue::Str(t)
    }
}

/// What a node is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum NodeKind {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence; aliases appear as the id of the anchored node.
    Seq(Vec<NodeId>),
    /// A mapping as (key, value) pairs in file order.
    Map(Vec<(NodeId, NodeId)>),
}

/// A node and the bytes it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Its byte range in the file (stored as its offsets only: the file
    /// is given when a stored tree is read back, [`Doc::from_bytes`]).
    #[serde(with = "offsets")]
    pub span: Span,
}

/// A span stored as `(start, end)`; read back in file 0 until
/// [`Doc::from_bytes`] sets the file.
mod offsets {
    use detc_diag::{FileId, Span};

    pub fn serialize<S: serde::Serializer>(s: &Span, ser: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&(s.start, s.end), ser)
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Span, D::Error> {
        let (start, end): (usize, usize) = serde::Deserialize::deserialize(de)?;
        if end < start {
            return Err(serde::de::Error::custom("a span ends before it starts"));
        }
        Ok(Span::new(FileId(0), start, end))
    }
}

/// A parsed file: its nodes and the root (none for an empty file).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Doc {
    nodes: Vec<Node>,
    /// The root node, or `None` when the file holds no document.
    pub root: Option<NodeId>,
}

impl Doc {
    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// The tree as bytes (postcard), for a cache of parsed files: read
    /// back with [`Doc::from_bytes`]. Spans are stored as offsets, so the
    /// bytes depend on the text only, not on the file's [`FileId`].
    pub fn to_bytes(&self) -> Vec<u8> {
        // Encoding into a Vec fails only on an allocation failure.
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// A tree stored by [`Doc::to_bytes`], its spans in `file`, checked to
    /// be one that [`parse`] could give for a text of `text_len` bytes
    /// within `limits`: every child before its parent (as the parser
    /// numbers them, so there is no cycle), every span inside the text,
    /// the tree no larger than `limits.max_nodes` once aliases are
    /// expanded. `None` for bytes that are not such a tree (a corrupt or
    /// foreign cache): parse the text instead.
    pub fn from_bytes(bytes: &[u8], file: FileId, text_len: usize, limits: Limits) -> Option<Doc> {
        let (mut doc, rest): (Doc, &[u8]) = postcard::take_from_bytes(bytes).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let n = doc.nodes.len();
        if doc.root.is_some_and(|r| r.0 as usize >= n) {
            return None;
        }
        // Expanded sizes, children first, as the parser's own limit counts them.
        let mut sizes: Vec<u64> = Vec::with_capacity(n);
        for (i, node) in doc.nodes.iter_mut().enumerate() {
            if node.span.end > text_len {
                return None;
            }
            node.span.file = file;
            let size_of = |c: &NodeId| {
                sizes
                    .get(c.0 as usize)
                    .copied()
                    .filter(|_| (c.0 as usize) < i)
            };
            let size = match &node.kind {
                NodeKind::Scalar(_) => Some(1u64),
                NodeKind::Seq(items) => items
                    .iter()
                    .try_fold(1u64, |acc, c| Some(acc.saturating_add(size_of(c)?))),
                NodeKind::Map(pairs) => pairs.iter().try_fold(1u64, |acc, (k, v)| {
                    Some(acc.saturating_add(size_of(k)?).saturating_add(size_of(v)?))
                }),
            }?;
            if size > limits.max_nodes {
                return None;
            }
            sizes.push(size);
        }
        Some(doc)
    }
}

/// Limits that protect detc from hostile or broken files.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes a document may have once its aliases are expanded.
    pub max_nodes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_nodes: 100_000,
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        items: Vec<NodeId>,
        size: u64,
        anchor: usize,
    },
    Map {
        start: usize,
        pairs: Vec<(NodeId, NodeId)>,
        pending: Option<NodeId>,
        size: u64,
        anchor: usize,
        /// The keys so far by text, once the mapping has more than
        /// [`SCAN_KEYS`] of them (below that, a scan of `pairs` is faster
        /// than hashing and copying each key).
        seen: Option<std::collections::HashMap<String, NodeId>>,
    },
}

/// Mappings with up to this many keys are checked for a repeated key by
/// scanning them; bigger ones through a hash map (a generated file with
/// thousands of keys must not take quadratic time).
const SCAN_KEYS: usize = 16;

struct Builder<'t> {
    text: &'t str,
    base: usize,
    file: FileId,
    /// Character index -> byte offset, for non-ASCII text (saphyr's markers count characters).
    char_to_byte: Option<Vec<usize>>,
    doc: Doc,
    sizes: Vec<u64>,
    stack: Vec<Frame>,
    anchors: std::collections::HashMap<usize, NodeId>,
    docs: usize,
    limits: Limits,
    diags: Vec<Diagnostic>,
    fatal: bool,
}

impl Builder<'_> {
    fn byte(&self, char_index: usize) -> usize {
        let b = match &self.char_to_byte {
            None => char_index,
            Some(v) => v.get(char_index).copied().unwrap_or(self.text.len()),
        };
        self.base + b.min(self.text.len())
    }

    fn span(&self, s: &saphyr_parser::Span) -> Span {
        Span::new(
            self.file,
            self.byte(s.start.index()),
            self.byte(s.end.index()),
        )
    }

    fn push_node(&mut self, kind: NodeKind, span: Span, size: u64, anchor: usize) -> NodeId {
        let id = NodeId(self.doc.nodes.len() as u32);
        self.doc.nodes.push(Node { kind, span });
        self.sizes.push(size);
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        id
    }

    fn key_text(&self, id: NodeId) -> Option<&str> {
        match &self.doc.node(id).kind {
            NodeKind::Scalar(s) => Some(s.text.as_str()),
            _ => None,
        }
    }

    /// Attaches a finished node to its parent (or makes it the root).
    fn attach(&mut self, id: NodeId) {
        let size = self.sizes[id.0 as usize];
        let max = self.limits.max_nodes;
        let mut dup: Option<(NodeId, NodeId)> = None;
        match self.stack.last_mut() {
            None => {
                if self.doc.root.is_none() {
                    self.doc.root = Some(id);
                }
            }
            Some(Frame::Seq { items, size: s, .. }) => {
                items.push(id);
                *s = s.saturating_add(size);
            }
            Some(Frame::Map {
                pairs,
                pending,
                size: s,
                seen,
                ..
            }) => {
                *s = s.saturating_add(size);
                match pending.take() {
                    None => {
                        // A key just arrived: look for an earlier equal key.
                        // Every earlier key is in `pairs` (its value is done).
                        *pending = Some(id);
                        let nodes = &self.doc.nodes;
                        let text_of = |n: NodeId| match &nodes[n.0 as usize].kind {
                            NodeKind::Scalar(k) => Some(k.text.as_str()),
                            _ => None,
                        };
                        if let Some(key) = text_of(id) {
                            if seen.is_none() && pairs.len() >= SCAN_KEYS {
                                let mut map = std::collections::HashMap::new();
                                for &(k, _) in pairs.iter() {
                                    if let Some(t) = text_of(k) {
                                        map.entry(t.to_string()).or_insert(k);
                                    }
                                }
                                *seen = Some(map);
                            }
                            let first = match seen {
                                Some(map) => match map.get(key) {
                                    Some(first) => Some(*first),
                                    None => {
                                        map.insert(key.to_string(), id);
                                        None
                                    }
                                },
                                None => pairs
                                    .iter()
                                    .map(|&(k, _)| k)
                                    .find(|&k| text_of(k) == Some(key)),
                            };
                            dup = first.map(|f| (f, id));
                        }
                    }
                    Some(k) => pairs.push((k, id)),
                }
            }
        }
        if let Some((first, second)) = dup {
            let name = self.key_text(second).unwrap_or("").to_string();
            self.diags.push(
                diag(code::Y002, format!("duplicate key `{name}`"))
                    .at(self.doc.node(second).span)
                    .label("defined again here")
                    .with_secondary(self.doc.node(first).span, "first defined here")
                    .help("a key may appear once per mapping; the value defined last is the one read (as PyYAML, which contentctl uses, keeps it), so remove or merge the other"),
            );
        }
        let total = self
            .stack
            .iter()
            .map(|f| match f {
                Frame::Seq { size, .. } | Frame::Map { size, .. } => *size,
            })
            .max()
            .unwrap_or(size)
            .max(size);
        if total > max && !self.fatal {
            self.fatal = true;
            self.diags.push(
                diag(code::Y007, format!("the document expands to more than {max} nodes (aliases multiply what they refer to)"))
                    .at(self.doc.node(id).span)
                    .label("expansion passes the limit here")
                    .help("content files are small; remove the aliases (`*name`) that repeat large nodes"),
            );
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_> {
    fn on_event(&mut self, ev: Event<'input>, span: saphyr_parser::Span) {
        if self.fatal {
            return;
        }
        let sp = self.span(&span);
        match ev {
            Event::DocumentStart(_) => {
                self.docs += 1;
                if self.docs == 2 {
                    self.diags.push(
                        diag(code::Y009, "the file holds more than one YAML document",
                        )
                        .at(sp)
                        .label("a second document starts here")
                        .help(
                            "keep one content object per file; move the rest to files of their own",
                        ),
                    );
                    self.fatal = true;
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let scalar = Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| t.to_string()),
                };
                let id = self.push_node(NodeKind::Scalar(scalar), sp, 1, anchor);
                self.attach(id);
            }
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    self.too_deep(sp);
                    return;
                }
                self.stack.push(Frame::Seq {
                    start: sp.start,
                    items: Vec::new(),
                    size: 1,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    self.too_deep(sp);
                    return;
                }
                self.stack.push(Frame::Map {
                    start: sp.start,
                    pairs: Vec::new(),
                    pending: None,
                    size: 1,
                    anchor,
                    seen: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    items,
                    size,
                    anchor,
                }) = self.stack.pop()
                {
                    let end = sp.end.max(start);
                    let id = self.push_node(
                        NodeKind::Seq(items),
                        Span::new(self.file, start, end),
                        size,
                        anchor,
                    );
                    self.attach(id);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    pairs,
                    size,
                    anchor,
                    ..
                }) = self.stack.pop()
                {
                    let end = sp.end.max(start);
                    let id = self.push_node(
                        NodeKind::Map(pairs),
                        Span::new(self.file, start, end),
                        size,
                        anchor,
                    );
                    self.attach(id);
                }
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor).copied() {
                Some(id) => self.attach(id),
                None => {
                    self.diags
                        .push(diag(code::Y001, "alias to an unknown anchor").at(sp).help(
                            "define the anchor (`&name`) before the alias (`*name`) that uses it",
                        ));
                    self.fatal = true;
                }
            },
            _ => {}
        }
    }
}

impl Builder<'_> {
    fn too_deep(&mut self, sp: Span) {
        self.fatal = true;
        self.diags.push(
            diag(
                code::Y007,
                format!(
                    "the document nests deeper than {} levels",
                    self.limits.max_depth
                ),
            )
            .at(sp)
            .label("too deep here")
            .help("content files nest a few levels at most; check for runaway brackets"),
        );
    }
}

/// Parses `text` (the whole file, as read) of file `file`.
///
/// Returns the tree, or `None` when the file cannot be parsed, and every
/// diagnostic found: syntax errors (`Y001`), duplicate keys (`Y002`), tabs
/// used for indentation (`Y003`), a byte-order mark (`Y004`, warning), CRLF
/// line ends (`Y005`, warning), limits passed (`Y007`), several documents
/// (`Y009`). Never panics, whatever the input.
pub fn parse(text: &str, file: FileId, limits: Limits) -> (Option<Doc>, Vec<Diagnostic>) {
    let (doc, diags) = parse_strict(text, file, limits);
    if doc.is_some() {
        return (doc, diags);
    }
    match relax_quoted_indentation(text, &diags) {
        Some(r) => r.parse(text, file, limits).unwrap_or((doc, diags)),
        None => (doc, diags),
    }
}

/// A copy of a file whose under-indented quoted-scalar continuation lines
/// were indented (`inserts`: `(byte offset in the copy, spaces added)`),
/// and where each such scalar starts in the original.
struct Relaxed {
    text: String,
    inserts: Vec<(usize, usize)>,
    scalars: Vec<usize>,
}

/// YAML 1.2 requires the continuation lines of a quoted scalar to be
/// indented past its key; PyYAML, and so contentctl, accepts them at any
/// indentation, and ESCU has such files. When parsing failed on exactly
/// that, pads those lines (leading spaces of continuation lines are not
/// part of a quoted scalar's value, so the value does not change) and
/// retries; up to 16 scalars a file.
fn relax_quoted_indentation(text: &str, diags: &[Diagnostic]) -> Option<Relaxed> {
    let first = diags.iter().find(|d| d.code == code::Y001.as_str())?;
    if !first
        .message
        .ends_with("invalid indentation in quoted scalar")
    {
        return None;
    }
    let mut r = Relaxed {
        text: text.to_string(),
        inserts: Vec::new(),
        scalars: Vec::new(),
    };
    let mut at = first.span?.start;
    for _ in 0..16 {
        let bytes = r.text.as_bytes();
        let quote = *bytes.get(at)?;
        if quote != b'\'' && quote != b'"' {
            return None;
        }
        let line_start = r.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let key_indent = r.text[line_start..]
            .bytes()
            .take_while(|b| *b == b' ')
            .count();
        let need = key_indent + 1;
        // Find the closing quote.
        let mut i = at + 1;
        let end = loop {
            let c = *bytes.get(i)?;
            if quote == b'\'' && c == b'\'' {
                if bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                break i;
            }
            if quote == b'"' && c == b'\\' {
                i += 2;
                continue;
            }
            if quote == b'"' && c == b'"' {
                break i;
            }
            i += 1;
        };
        let mut out = String::with_capacity(r.text.len() + 64);
        out.push_str(&r.text[..at]);
        let mut pos = at;
        for (off, _) in r.text[at..end].match_indices('\n') {
            let nl = at + off + 1;
            out.push_str(&r.text[pos..nl]);
            pos = nl;
            let have = r.text[nl..end].bytes().take_while(|b| *b == b' ').count();
            let blank = r.text[nl + have..end].starts_with('\n');
            if have < need && !blank {
                let add = need - have;
                r.inserts.push((out.len(), add));
                out.extend(std::iter::repeat_n(' ', add));
            }
        }
        out.push_str(&r.text[pos..]);
        r.scalars.push(at);
        r.text = out;
        let (doc, d) = parse_strict(&r.text, FileId(0), Limits::default());
        if doc.is_some() {
            return Some(r);
        }
        let next = d.iter().find(|d| d.code == code::Y001.as_str())?;
        if !next
            .message
            .ends_with("invalid indentation in quoted scalar")
        {
            return None;
        }
        at = next.span?.start;
    }
    None
}

impl Relaxed {
    /// Maps a byte offset of the padded copy back to the original.
    fn orig(&self, off: usize) -> usize {
        let mut shift = 0;
        for (p, n) in &self.inserts {
            if *p >= off {
                break;
            }
            shift += (*n).min(off - p);
        }
        off - shift
    }

    /// Parses the padded copy; spans point into the original, and each
    /// padded scalar gets a `Y010` warning.
    fn parse(
        &self,
        orig: &str,
        file: FileId,
        limits: Limits,
    ) -> Option<(Option<Doc>, Vec<Diagnostic>)> {
        let (doc, mut diags) = parse_strict(&self.text, file, limits);
        let mut doc = doc?;
        let fix = |s: &mut Span| {
            s.start = self.orig(s.start);
            s.end = self.orig(s.end);
        };
        for n in &mut doc.nodes {
            fix(&mut n.span);
        }
        for d in &mut diags {
            if let Some(s) = &mut d.span {
                fix(s);
            }
            for l in &mut d.secondary {
                fix(&mut l.span);
            }
        }
        for at in &self.scalars {
            let at = self.orig(*at);
            let line_start = orig[..at].rfind('\n').map_or(0, |i| i + 1);
            let key_indent = orig[line_start..]
                .bytes()
                .take_while(|b| *b == b' ')
                .count();
            diags.push(
                diag(code::Y010, "the continuation lines of this quoted string are not indented past its key",
                )
                .at(Span::new(file, at, at + 1))
                .label("string starts here")
                .help(format!("YAML 1.2 requires it and strict parsers refuse the file (PyYAML, and so contentctl, accepts it): indent each continuation line by at least {} space{}, or write the value as a block scalar (`key: >-`)", key_indent + 1, if key_indent == 0 { "" } else { "s" })),
            );
        }
        Some((Some(doc), diags))
    }
}

fn parse_strict(text: &str, file: FileId, limits: Limits) -> (Option<Doc>, Vec<Diagnostic>) {
    let mut pre = Vec::new();
    let mut base = 0;
    if text.starts_with('\u{feff}') {
        base = 3;
        pre.push(
            diag(code::Y004, "the file starts with a UTF-8 byte-order mark")
                .at(Span::new(file, 0, 3))
                .help(
                    "save the file as UTF-8 without BOM; Splunk and most YAML tools do not need it",
                ),
        );
    }
    // memchr's vectorised search: `str::find` of a two-byte pattern was
    // about 1 % of `detc validate`, run over every byte of every file.
    if let Some(i) = memchr::memmem::find(text.as_bytes(), b"\r\n") {
        pre.push(
            diag(code::Y005, "the file uses CRLF (Windows) line endings")
                .at(Span::new(file, i, i + 1))
                .label("first carriage return here")
                .help("use LF line endings (add `*.yml text eol=lf` to .gitattributes); multi-line searches keep stray carriage returns otherwise"),
        );
    }
    let body = &text[base..];
    let char_to_byte = if body.is_ascii() {
        None
    } else {
        let mut v: Vec<usize> = body.char_indices().map(|(i, _)| i).collect();
        v.push(body.len());
        Some(v)
    };
    // About one node per 24 bytes in content files: reserving that much
    // spares the node list its regrowths (capped: a huge file grows as usual).
    let node_estimate = (body.len() / 24 + 8).min(1 << 16);
    let mut b = Builder {
        text: body,
        base,
        file,
        char_to_byte,
        doc: Doc::default(),
        sizes: Vec::with_capacity(node_estimate),
        stack: Vec::new(),
        anchors: Default::default(),
        docs: 0,
        limits,
        diags: pre,
        fatal: false,
    };
    b.doc.nodes.reserve(node_estimate);
    let mut parser = Parser::new_from_str(body);
    let result = parser.load(&mut b, true);
    if let Err(e) = result {
        if !b.fatal {
            let at = b.byte(e.marker().index());
            let f_line_start = text[..at.min(text.len())]
                .rfind('\n')
                .map(|i| i + 1)
                .unwrap_or(0);
            let line_end = text[f_line_start..]
                .find('\n')
                .map(|i| f_line_start + i)
                .unwrap_or(text.len());
            let line = &text[f_line_start..line_end];
            let indent: &str = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            let prev_tab = text[..f_line_start]
                .lines()
                .last()
                .is_some_and(|l| l.trim_start_matches(' ').starts_with('\t'));
            // A plain value continued on the next lines is scanned from its
            // start: the scanner marks the value, not the tab it met later
            // in the indentation of a following line. Find that tab.
            let later_tab = if e.info().contains("found a tab") && !indent.contains('\t') {
                let mut start = line_end + 1;
                let mut found = None;
                while start < text.len() {
                    let rest = &text[start..];
                    let l = rest.split('\n').next().unwrap_or("");
                    let spaces = l.len() - l.trim_start_matches(' ').len();
                    if l[spaces..].starts_with('\t') {
                        found = Some(start + spaces);
                        break;
                    }
                    if !l.trim().is_empty() && spaces == 0 {
                        break;
                    }
                    start += l.len() + 1;
                }
                found
            } else {
                None
            };
            if e.info().contains("recursion limit") {
                b.too_deep(Span::new(file, at, at));
            } else if indent.contains('\t')
                || prev_tab && line.trim().is_empty()
                || later_tab.is_some()
            {
                let tab = later_tab.unwrap_or(f_line_start + indent.find('\t').unwrap_or(0));
                b.diags.push(
                    diag(code::Y003, "a tab character is used for indentation")
                        .at(Span::new(file, tab, tab + 1))
                        .label("tab here")
                        .help(
                            "YAML allows only spaces for indentation; replace the tab with spaces",
                        ),
                );
            } else {
                let end = (at + 1).min(line_end).max(at);
                b.diags.push(
                    diag(code::Y001, format!("invalid YAML: {}", e.info()))
                        .at(Span::new(file, at, end))
                        .help("fix the YAML syntax here; a quoted string may be unterminated, or the indentation may not line up with the keys around it"),
                );
            }
        }
        return (None, b.diags);
    }
    if b.fatal {
        return (None, b.diags);
    }
    (Some(b.doc), b.diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> (Option<Doc>, Vec<Diagnostic>) {
        parse(t, FileId(0), Limits::default())
    }

    #[test]
    fn spans_are_byte_ranges_even_after_non_ascii_text() {
        let t = "description: café résumé\nname: x\n";
        let (doc, d) = p(t);
        assert!(d.is_empty(), "{d:?}");
        let doc = doc.unwrap();
        let NodeKind::Map(pairs) = &doc.node(doc.root.unwrap()).kind else {
            panic!()
        };
        let v = doc.node(pairs[1].1);
        assert_eq!(&t[v.span.start..v.span.end], "x");
    }

    #[test]
    fn under_indented_quoted_continuations_are_read_as_pyyaml_reads_them() {
        // From security_content's macros/base64decode.yml.
        let t = "name: x\ndefinition: 'eval a=1 \n| eval b=''2''\n| fields - c'\ndescription: d\n";
        let (doc, d) = p(t);
        let doc = doc.expect("recovered");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "Y010");
        assert_eq!(d[0].span.unwrap().start, t.find('\'').unwrap());
        let NodeKind::Map(pairs) = &doc.node(doc.root.unwrap()).kind else {
            panic!()
        };
        let def = doc.node(pairs[1].1);
        let NodeKind::Scalar(s) = &def.kind else {
            panic!()
        };
        assert_eq!(s.text, "eval a=1 | eval b='2' | fields - c");
        // Spans point into the original text.
        let desc = doc.node(pairs[2].1);
        assert_eq!(&t[desc.span.start..desc.span.end], "d");
        // Other syntax errors are not hidden.
        let (doc, d) = p("a: 'x\n  b: [\n");
        assert!(doc.is_none());
        assert_eq!(d[0].code, "Y001");
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places() {
        let (_, d) = p("name: a\nid: 1\nname: b\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "Y002");
        assert_eq!(d[0].span.unwrap().start, 14);
        assert_eq!(d[0].secondary[0].span.start, 0);
    }

    #[test]
    fn duplicate_keys_are_found_in_small_and_big_mappings() {
        // Up to SCAN_KEYS keys the earlier keys are scanned; past that a
        // hash map takes over, filled with the keys seen so far.
        for (keys, repeat) in [(3, 1), (SCAN_KEYS, 2), (SCAN_KEYS + 1, 3), (200, 150)] {
            let mut t: String = (0..keys).map(|i| format!("k{i}: {i}\n")).collect();
            t.push_str(&format!("k{repeat}: again\n"));
            let (_, d) = p(&t);
            assert_eq!(d.len(), 1, "{keys} keys: {d:?}");
            assert_eq!(d[0].message, format!("duplicate key `k{repeat}`"));
            let first = t.find(&format!("k{repeat}:")).unwrap_or(0);
            assert_eq!(d[0].secondary[0].span.start, first, "{keys} keys");
        }
        let t: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(p(&t).1.is_empty());
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            t.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = i - 1));
        }
        let (doc, d) = p(&t);
        assert!(doc.is_none());
        assert_eq!(d[0].code, "Y007");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let t = "[".repeat(10_000) + &"]".repeat(10_000);
        let (doc, d) = p(&t);
        assert!(doc.is_none());
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("deep"), "{d:?}");
    }

    #[test]
    fn a_tab_after_a_plain_value_is_marked_where_it_is() {
        let t = "author: Michael Haag, Splunk\n\tstatus: production\nname: x\n";
        let (_, d) = p(t);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "Y003", "{d:?}");
        let tab = t.find('\t').unwrap();
        assert_eq!(d[0].span, Some(Span::new(FileId(0), tab, tab + 1)));
    }

    #[test]
    fn tab_indentation_gets_its_own_message() {
        let (doc, d) = p("name: a\ntags:\n\tproduct: x\n");
        assert!(doc.is_none());
        assert_eq!(d[0].code, "Y003", "{d:?}");
    }

    #[test]
    fn plain_scalars_resolve_like_pyyaml() {
        let s = |t: &str| Scalar {
            text: t.into(),
            plain: true,
            tag: None,
        };
        assert_eq!(s("yes").resolve(), ScalarValue::Bool(true));
        assert_eq!(s("0x1f").resolve(), ScalarValue::Int(31));
        assert_eq!(s("1_000").resolve(), ScalarValue::Int(1000));
        assert_eq!(s("~").resolve(), ScalarValue::Null);
        assert_eq!(s("2021-01-01").resolve(), ScalarValue::Str("2021-01-01"));
        assert_eq!(s("0.0.1").resolve(), ScalarValue::Str("0.0.1"));
        assert_eq!(s("1.5").resolve(), ScalarValue::Float(1.5));
    }
}
