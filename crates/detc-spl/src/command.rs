//! SPL commands read once into typed arguments, for every part of detc
//! that reasons about them: the output-field analysis ([`crate::output_fields`],
//! behind rules D001, R001-R003 and Q009) and `detc test`'s interpreter
//! (`detc-replay`). One reading, so that what a rule says a search outputs
//! and what a test runs cannot disagree.
//!
//! Each parser follows the syntax of Splunk's Search Reference for the
//! command and returns `None` for a form it does not follow (callers then
//! say nothing, or skip the test).

use crate::lex::{Token, split_args};

/// Strips one level of `"..."` or `'...'` quoting from a field name.
pub fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// Matches `name` against a pattern with one `*` wildcard (or none);
/// returns the text the `*` matched (empty without a wildcard). A pattern
/// with more than one `*` matches nothing: it is not followed.
pub fn glob<'n>(pat: &str, name: &'n str) -> Option<&'n str> {
    let Some(star) = pat.find('*') else {
        return (pat == name).then_some("");
    };
    let (pre, post) = (&pat[..star], &pat[star + 1..]);
    if post.contains('*') {
        return None;
    }
    if name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post) {
        Some(&name[pre.len()..name.len() - post.len()])
    } else {
        None
    }
}

/// Whether field `name` matches `pat`, a field name with any number of `*`
/// wildcards, case-sensitively (field names in `table`, `fields`).
pub fn matches_field(pat: &str, name: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if name.len() < first.len() + last.len() || !name.starts_with(first) || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

/// What `table` or `fields` keeps: `fields - a b` removes, anything else
/// keeps only the fields matching one of the patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSelection {
    /// `fields - ...`: the patterns are removed.
    pub remove: bool,
    /// Field names with `*` wildcards, unquoted.
    pub patterns: Vec<String>,
}

/// Reads `table` (`command` = `"table"`) or `fields` arguments.
pub fn field_selection(command: &str, args: &str) -> FieldSelection {
    let toks = split_args(args);
    let mut toks: Vec<&Token> = toks.iter().collect();
    let mut remove = false;
    if command == "fields"
        && let Some(first) = toks.first()
    {
        if first.text == "-" {
            remove = true;
            toks.remove(0);
        } else if first.text == "+" {
            toks.remove(0);
        }
    }
    let patterns = toks
        .iter()
        .map(|t| unquote(t.text).to_string())
        .filter(|p| !p.is_empty())
        .collect();
    FieldSelection { remove, patterns }
}

fn is_kw(t: &Token, kw: &str) -> bool {
    t.text.eq_ignore_ascii_case(kw)
}

/// `key=value` with a bare key (not `count(x)=`, not a quoted string).
pub(crate) fn is_option(t: &Token) -> bool {
    t.text.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// One aggregation of `stats`, `eventstats`, `streamstats` or `tstats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// The call as written, unquoted: `values(*)`, `count`, `dc(user)`.
    pub call: String,
    /// The function in lower case: `values`, `count`, `dc`.
    pub func: String,
    /// Its argument, unquoted (empty for `count`).
    pub arg: String,
    /// The field it outputs: its `as` name, else the call.
    pub name: String,
}

/// The aggregations and `by` fields of `stats`, `eventstats`,
/// `streamstats` or `tstats` arguments (Search Reference, "stats").
/// Options (`allnum=t`, `summariesonly=t`), a macro that expands to
/// options, and tstats' `from ... where ...` are passed over; the `by`
/// list ends at `where` or `span`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Aggregations {
    /// In the order written.
    pub aggs: Vec<Aggregation>,
    /// The `by` fields, unquoted.
    pub by: Vec<String>,
}

/// Reads aggregation arguments; `None` when `as` has no name or follows
/// nothing.
pub fn aggregations(args: &str) -> Option<Aggregations> {
    let toks = split_args(args);
    let mut out = Aggregations::default();
    let mut i = 0;
    let mut in_by = false;
    while i < toks.len() {
        let t = &toks[i];
        if in_by {
            if is_kw(t, "where") || is_kw(t, "span") {
                break;
            }
            if !is_option(t) {
                out.by.push(unquote(t.text).to_string());
            }
            i += 1;
            continue;
        }
        if is_kw(t, "by") {
            in_by = true;
        } else if is_kw(t, "from") || is_kw(t, "where") {
            // tstats: the data model and where clause, up to `by`.
            i += 1;
            while i < toks.len() && !is_kw(&toks[i], "by") {
                i += 1;
            }
            continue;
        } else if is_option(t) || t.text.starts_with('`') {
            // An option such as allnum=t, or a macro that expands to options.
        } else if is_kw(t, "as") {
            let name = toks.get(i + 1)?;
            let last = out.aggs.last_mut()?;
            last.name = unquote(name.text).to_string();
            i += 2;
            continue;
        } else {
            let call = unquote(t.text).to_string();
            let (func, arg) = match call.split_once('(') {
                Some((f, a)) => (
                    f.to_ascii_lowercase(),
                    unquote(a.strip_suffix(')').unwrap_or(a)).to_string(),
                ),
                None => (call.to_ascii_lowercase(), String::new()),
            };
            out.aggs.push(Aggregation {
                name: call.clone(),
                call,
                func,
                arg,
            });
        }
        i += 1;
    }
    Some(out)
}

/// The `(from, to)` pairs of `rename a AS b, c* AS d*`; `None` when the
/// arguments are not such pairs.
pub fn renames(args: &str) -> Option<Vec<(String, String)>> {
    let toks = split_args(args);
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < toks.len() {
        if !is_kw(&toks[i + 1], "as") {
            return None;
        }
        out.push((
            unquote(toks[i].text).to_string(),
            unquote(toks[i + 2].text).to_string(),
        ));
        i += 3;
    }
    (i == toks.len()).then_some(out)
}

/// What `rename from AS to` makes of the field `name`: `Some(new name)`
/// when `from` matches it (a `*` in `to` takes what the `*` of `from`
/// matched, anywhere in the name: `Proc.*_x AS *`), `None` when it does
/// not match or the pattern is not followed (more than one `*`).
pub fn renamed(name: &str, from: &str, to: &str) -> Option<String> {
    let m = glob(from, name)?;
    if from.contains('*') {
        if to.matches('*').count() > 1 {
            return None;
        }
        Some(to.replacen('*', m, 1))
    } else {
        Some(to.to_string())
    }
}

/// `lookup [local=..] [update=..] <table> <field> [AS <event field>]...
/// [OUTPUT|OUTPUTNEW <field> [AS <event field>]...]` (Search Reference,
/// "lookup").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupCall {
    /// The lookup definition or file name.
    pub table: String,
    /// `(lookup field, event field)` to match.
    pub matches: Vec<(String, String)>,
    /// `(lookup field, event field)` to output; `None`: every other column.
    pub outputs: Option<Vec<(String, String)>>,
    /// OUTPUTNEW: an event's existing field is left alone.
    pub new_only: bool,
}

/// Reads lookup arguments; `None` without a table or a field to match.
pub fn lookup_call(args: &str) -> Option<LookupCall> {
    let toks = split_args(args);
    let mut it = toks.iter().skip_while(|t| is_option(t));
    let table = unquote(it.next()?.text).to_string();
    let mut matches: Vec<(String, String)> = Vec::new();
    let mut outputs: Option<Vec<(String, String)>> = None;
    let mut new_only = false;
    let rest: Vec<&Token> = it.collect();
    let mut i = 0;
    while i < rest.len() {
        let t = rest[i];
        if is_kw(t, "output") || is_kw(t, "outputnew") {
            if outputs.is_some() {
                return None;
            }
            new_only = is_kw(t, "outputnew");
            outputs = Some(Vec::new());
            i += 1;
            continue;
        }
        let field = unquote(t.text).to_string();
        let event = if rest.get(i + 1).is_some_and(|a| is_kw(a, "as")) {
            let e = unquote(rest.get(i + 2)?.text).to_string();
            i += 3;
            e
        } else {
            i += 1;
            field.clone()
        };
        match outputs.as_mut() {
            Some(o) => o.push((field, event)),
            None => matches.push((field, event)),
        }
    }
    (!matches.is_empty()).then_some(LookupCall {
        table,
        matches,
        outputs,
        new_only,
    })
}

/// `key=value` options and the other words of command arguments, in
/// order; values unquoted, keys in lower case.
fn options_and_words(args: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut opts = Vec::new();
    let mut words = Vec::new();
    for t in split_args(args) {
        if is_option(&t) {
            if let Some((k, v)) = t.text.split_once('=') {
                opts.push((k.to_ascii_lowercase(), unquote(v).to_string()));
            }
        } else if !t.text.trim().is_empty() {
            words.push(t.text.trim().to_string());
        }
    }
    (opts, words)
}

/// The `name=expression` assignments of `eval`, split at top-level commas:
/// `(name, expression text)`; `None` when a part has no `=`.
pub fn eval_assignments(args: &str) -> Option<Vec<(String, String)>> {
    crate::split_commas(args)
        .into_iter()
        .filter(|(_, part)| !part.trim().is_empty())
        .map(|(_, part)| {
            let (name, e) = part.split_once('=')?;
            Some((unquote(name).to_string(), e.trim().to_string()))
        })
        .collect()
}

/// `rex [field=<f>] [max_match=<n>] [mode=sed] "<regex>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RexCall {
    /// `field=`, `_raw` by default.
    pub field: String,
    /// `max_match=`: 1 by default, 0 for all.
    pub max_match: usize,
    /// `mode=sed`: a substitution, which adds no field.
    pub sed: bool,
    /// The regular expression, unquoted (`\"` read as `"`).
    pub pattern: String,
    /// Options other than those above, as written.
    pub other: Vec<String>,
}

impl RexCall {
    /// The named groups of the pattern (`(?<name>...)`, `(?P<name>...)`):
    /// the fields it extracts.
    pub fn groups(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.pattern.as_str();
        while let Some(p) = rest.find("(?<").or_else(|| rest.find("(?P<")) {
            let after = &rest[p..];
            let after = after.trim_start_matches("(?P<").trim_start_matches("(?<");
            if let Some(e) = after.find('>')
                && !after[..e].is_empty()
                && !after[..e].starts_with(['=', '!'])
            {
                out.push(after[..e].to_string());
            }
            rest = &rest[p + 3..];
        }
        out
    }
}

/// Reads `rex` arguments; `None` without exactly one pattern or with a
/// `max_match` that is not a number.
pub fn rex_call(args: &str) -> Option<RexCall> {
    let (opts, words) = options_and_words(args);
    let mut call = RexCall {
        field: "_raw".into(),
        max_match: 1,
        sed: false,
        pattern: String::new(),
        other: Vec::new(),
    };
    for (k, v) in opts {
        match k.as_str() {
            "field" => call.field = v,
            "max_match" => call.max_match = v.parse().ok()?,
            "mode" if v.eq_ignore_ascii_case("sed") => call.sed = true,
            _ => call.other.push(format!("{k}={v}")),
        }
    }
    let [pattern] = words.as_slice() else {
        return None;
    };
    call.pattern = unquote(pattern).replace("\\\"", "\"");
    Some(call)
}

/// `regex <field>="<regex>"`, `regex <field>!="<regex>"` or `regex
/// "<regex>"` (Splunk's Search Reference, regex command: keeps the
/// results whose field matches, or with `!=` does not match, the
/// unanchored PCRE; the field is `_raw` by default; the quotes are
/// required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexCall {
    /// The field matched, `_raw` by default.
    pub field: String,
    /// `true` for `=` (keep what matches), `false` for `!=`.
    pub keep_matches: bool,
    /// The regular expression, unquoted (`\"` read as `"`, as in `rex`).
    pub pattern: String,
}

/// Reads `regex` arguments; `None` for anything but one field (or none),
/// `=` or `!=`, and one double-quoted pattern.
pub fn regex_call(args: &str) -> Option<RegexCall> {
    let a = args.trim();
    let (field, keep_matches, quoted) = if a.starts_with('"') {
        ("_raw", true, a)
    } else {
        let eq = a.find('=')?;
        let (name, keep) = match a[..eq].strip_suffix('!') {
            Some(n) => (n, false),
            None => (&a[..eq], true),
        };
        let name = name.trim();
        let plain = |c: char| c.is_alphanumeric() || "_.-:".contains(c);
        if name.is_empty() || !name.chars().all(plain) {
            return None;
        }
        (name, keep, a[eq + 1..].trim())
    };
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    // One string: no quote inside but an escaped one.
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            '\\' => escaped = !escaped,
            '"' if !escaped => return None,
            _ => escaped = false,
        }
    }
    Some(RegexCall {
        field: field.to_string(),
        keep_matches,
        pattern: inner.replace("\\\"", "\""),
    })
}

/// `spath [input=<f>] [output=<f>] [path=<p> | <p>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpathCall {
    /// `input=`, `_raw` by default.
    pub input: String,
    /// `output=`.
    pub output: Option<String>,
    /// `path=` or the bare path.
    pub path: Option<String>,
    /// Options other than those above.
    pub other: Vec<String>,
}

/// Reads `spath` arguments; `None` with more than one bare path.
pub fn spath_call(args: &str) -> Option<SpathCall> {
    let (opts, words) = options_and_words(args);
    let mut call = SpathCall {
        input: "_raw".into(),
        output: None,
        path: None,
        other: Vec::new(),
    };
    for (k, v) in opts {
        match k.as_str() {
            "input" => call.input = v,
            "output" => call.output = Some(v),
            "path" => call.path = Some(v),
            _ => call.other.push(k),
        }
    }
    match words.as_slice() {
        [] => {}
        [p] if call.path.is_none() => call.path = Some(unquote(p).to_string()),
        _ => return None,
    }
    Some(call)
}

/// `fillnull [value=<v>] [<field>...]`: the value (`0` by default), the
/// fields (every field when empty), and other options as written.
pub fn fillnull_call(args: &str) -> (String, Vec<String>, Vec<String>) {
    let (opts, words) = options_and_words(args);
    let mut value = "0".to_string();
    let mut other = Vec::new();
    for (k, v) in opts {
        if k == "value" {
            value = v;
        } else {
            other.push(k);
        }
    }
    let fields = words.iter().map(|w| unquote(w).to_string()).collect();
    (value, fields, other)
}

/// `bin`/`bucket [<field>] [span=<s>] [AS <name>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinCall {
    /// The field, `_time` by default.
    pub field: String,
    /// `span=`, as written.
    pub span: Option<String>,
    /// `AS <name>`: where the result goes (the field itself by default).
    pub as_name: Option<String>,
    /// Options other than `span`.
    pub other: Vec<String>,
}

/// Reads `bin` arguments; `None` with more than one field.
pub fn bin_call(args: &str) -> Option<BinCall> {
    let (opts, words) = options_and_words(args);
    let mut call = BinCall {
        field: "_time".into(),
        span: None,
        as_name: None,
        other: Vec::new(),
    };
    for (k, v) in opts {
        if k == "span" {
            call.span = Some(v);
        } else {
            call.other.push(k);
        }
    }
    let mut fields = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i].eq_ignore_ascii_case("as") {
            call.as_name = Some(unquote(words.get(i + 1)?).to_string());
            i += 2;
        } else {
            fields.push(unquote(&words[i]).to_string());
            i += 1;
        }
    }
    match fields.as_slice() {
        [] => {}
        [f] => call.field = f.clone(),
        _ => return None,
    }
    Some(call)
}

/// One conversion of `convert`: `(function, field, output name)`.
pub type Conversion = (String, String, String);

/// `convert [timeformat=<fmt>] <func>(<field>) [AS <name>]...`: the
/// format (`%m/%d/%Y %H:%M:%S` by default, Splunk's) and the conversions.
pub fn convert_call(args: &str) -> Option<(String, Vec<Conversion>)> {
    let (opts, words) = options_and_words(args);
    let mut format = "%m/%d/%Y %H:%M:%S".to_string();
    for (k, v) in opts {
        if k == "timeformat" {
            format = v;
        } else {
            return None;
        }
    }
    let mut out: Vec<Conversion> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w.eq_ignore_ascii_case("as") {
            let name = unquote(words.get(i + 1)?).to_string();
            out.last_mut()?.2 = name;
            i += 2;
            continue;
        }
        let (f, rest) = w.split_once('(')?;
        let field = unquote(rest.strip_suffix(')')?).to_string();
        out.push((f.to_ascii_lowercase(), field.clone(), field));
        i += 1;
    }
    Some((format, out))
}

/// `mvexpand <field> [limit=<n>]`: the field and the limit; `None` for
/// another form.
pub fn mvexpand_call(args: &str) -> Option<(String, Option<usize>)> {
    let (opts, words) = options_and_words(args);
    let mut limit = None;
    for (k, v) in opts {
        if k == "limit" {
            limit = Some(v.parse().ok()?);
        } else {
            return None;
        }
    }
    let [field] = words.as_slice() else {
        return None;
    };
    Some((unquote(field).to_string(), limit))
}

/// `dedup <field>...` in its plain form (no count, no options, no
/// `sortby`): the fields; `None` for another form.
pub fn dedup_call(args: &str) -> Option<Vec<String>> {
    let (opts, words) = options_and_words(args);
    if !opts.is_empty()
        || words.is_empty()
        || words
            .iter()
            .any(|w| w.parse::<u64>().is_ok() || w.eq_ignore_ascii_case("sortby"))
    {
        return None;
    }
    Some(words.iter().map(|w| unquote(w).to_string()).collect())
}

/// `head [N]` or `head limit=N`: N (10 by default); `None` for another
/// form (a condition).
pub fn head_call(args: &str) -> Option<usize> {
    let a = args.trim();
    if a.is_empty() {
        return Some(10);
    }
    a.strip_prefix("limit=").unwrap_or(a).parse().ok()
}

/// `sort [N | limit=N] [+|-]<field>...`: the row limit (10,000 by
/// default, Splunk's; `0` for all, as `usize::MAX`) and `(field,
/// descending)` keys; `None` for a form not read (`num(x)`, `d`).
pub fn sort_call(args: &str) -> Option<(usize, Vec<(String, bool)>)> {
    let mut words: Vec<String> = split_args(args)
        .iter()
        .map(|t| t.text.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    let mut limit = 10_000;
    if let Some(first) = words.first() {
        let n = first
            .parse::<usize>()
            .ok()
            .or_else(|| first.strip_prefix("limit=").and_then(|n| n.parse().ok()));
        if let Some(n) = n {
            limit = if n == 0 { usize::MAX } else { n };
            words.remove(0);
        }
    }
    let mut keys = Vec::new();
    let mut pending: Option<bool> = None;
    for w in words {
        if w == "-" || w == "+" {
            pending = Some(w == "-");
            continue;
        }
        let (desc, name) = match w.strip_prefix('-') {
            Some(n) => (true, n.to_string()),
            None => (
                pending.unwrap_or(false),
                w.strip_prefix('+').unwrap_or(&w).to_string(),
            ),
        };
        pending = None;
        if name.contains(['(', '=']) || name.is_empty() || name == "d" {
            return None;
        }
        keys.push((unquote(&name).to_string(), desc));
    }
    Some((limit, keys))
}

/// `tstats` arguments beyond its aggregations (Search Reference,
/// "tstats"): the data model it reads and its `where` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstatsCall {
    /// `from datamodel=<datamodel>` as written: `Change` or
    /// `Endpoint.Processes`.
    pub datamodel: String,
    /// The text of the `where` clause (search terms), empty when there is
    /// none.
    pub where_text: String,
    /// The options of the `by` clause (`span=1h`), name and value, in
    /// order.
    pub by_options: Vec<(String, String)>,
    /// `fillnull_value=<v>` before `from`: what a `by` field that a row
    /// lacks reads as (without it, such rows are left out).
    pub fillnull_value: Option<String>,
    /// The aggregations and `by` fields ([`aggregations`]).
    pub aggregations: Aggregations,
}

impl TstatsCall {
    /// The data model's name, without its dataset (`Endpoint`).
    pub fn datamodel_name(&self) -> &str {
        self.datamodel.split('.').next().unwrap_or(&self.datamodel)
    }
}

/// Reads `tstats` arguments; `None` when they do not read from a data
/// model (`from datamodel=...`) or the aggregations do not read.
pub fn tstats_call(args: &str) -> Option<TstatsCall> {
    let toks = split_args(args);
    let kw = |k: &str| toks.iter().position(|t| is_kw(t, k));
    let from = kw("from")?;
    let dm = toks.get(from + 1)?.text;
    let datamodel = dm
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("datamodel="))
        .map(|p| unquote(&dm[p.len()..]).to_string())?;
    let by_at = kw("by");
    let where_text = match kw("where") {
        Some(w) if w > from => toks[w + 1..by_at.filter(|b| *b > w).unwrap_or(toks.len())]
            .iter()
            .map(|t| t.text)
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let option = |t: &Token| {
        t.text
            .split_once('=')
            .map(|(k, v)| (k.to_ascii_lowercase(), unquote(v).to_string()))
    };
    let by_options = by_at.map_or_else(Vec::new, |b| {
        toks[b..].iter().filter_map(option).collect::<Vec<_>>()
    });
    let fillnull_value = toks[..from]
        .iter()
        .filter_map(option)
        .find(|(k, _)| k == "fillnull_value")
        .map(|(_, v)| v);
    Some(TstatsCall {
        datamodel,
        where_text,
        by_options,
        fillnull_value,
        aggregations: aggregations(args)?,
    })
}

/// `streamstats` arguments (Search Reference, "streamstats"): the
/// `current` and `window` options, any other option by name, and the
/// aggregations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamstatsCall {
    /// `current=<bool>`: whether a row's own values count (default true).
    pub current: bool,
    /// `window=<n>`: the number of earlier rows aggregated, 0 for all.
    pub window: usize,
    /// The names of the other options given (`reset_on_change`,
    /// `time_window`...), in order.
    pub other_options: Vec<String>,
    /// The aggregations and `by` fields.
    pub aggregations: Aggregations,
}

/// Reads `streamstats` arguments; `None` when `window=` is not a number or
/// the aggregations do not read.
pub fn streamstats_call(args: &str) -> Option<StreamstatsCall> {
    let (opts, _) = options_and_words(args);
    let mut call = StreamstatsCall {
        current: true,
        window: 0,
        other_options: Vec::new(),
        // Passes over the options itself.
        aggregations: aggregations(args)?,
    };
    for (k, v) in opts {
        match k.as_str() {
            "current" => {
                call.current = !matches!(v.to_ascii_lowercase().as_str(), "f" | "false" | "0");
            }
            "window" => call.window = v.parse().ok()?,
            _ => call.other_options.push(k),
        }
    }
    Some(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregations_of_stats_and_tstats() {
        let a = aggregations(
            "summariesonly=t count values(All_Changes.src) as src, dc(\"x\") from datamodel=Change where a=1 by All_Changes.user \"b\" span=1h",
        )
        .unwrap();
        let got: Vec<(&str, &str, &str)> = a
            .aggs
            .iter()
            .map(|g| (g.func.as_str(), g.arg.as_str(), g.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("count", "", "count"),
                ("values", "All_Changes.src", "src"),
                ("dc", "x", "dc(\"x\")"),
            ]
        );
        assert_eq!(a.by, ["All_Changes.user", "b"]);
        assert!(aggregations("count as").is_none());
    }

    #[test]
    fn renames_with_wildcards_anywhere() {
        assert_eq!(
            renames("a AS b, \"c d\" as e").unwrap(),
            [("a".into(), "b".into()), ("c d".into(), "e".into())]
        );
        assert!(renames("a b c d").is_none());
        assert_eq!(
            renamed("All_Changes.user", "All_Changes.*", "*").as_deref(),
            Some("user")
        );
        assert_eq!(
            renamed("Proc.dest_x", "Proc.*_x", "host_*").as_deref(),
            Some("host_dest")
        );
        assert_eq!(renamed("other", "All_Changes.*", "*"), None);
        assert_eq!(renamed("a", "a", "b").as_deref(), Some("b"));
        assert_eq!(
            renamed("ab", "a*", "*x*"),
            None,
            "two wildcards in the target"
        );
    }

    #[test]
    fn table_and_fields() {
        let keep = field_selection("fields", "+ user, \"src ip\" All_*");
        assert!(!keep.remove);
        assert_eq!(keep.patterns, ["user", "src ip", "All_*"]);
        let drop = field_selection("fields", "- _raw");
        assert!(drop.remove);
        assert_eq!(drop.patterns, ["_raw"]);
        assert!(
            !field_selection("table", "- x").remove,
            "table has no removal"
        );
        assert!(matches_field("All_*.u*r", "All_Changes.user"));
        assert!(!matches_field("all_*", "All_Changes"), "case-sensitive");
        assert!(matches_field("x", "x") && !matches_field("x", "xy"));
        assert!(matches_field("*", ""));
    }

    #[test]
    fn the_other_commands() {
        assert_eq!(
            eval_assignments("a=if(x, \"1,2\", 3), b = lower(y)").unwrap(),
            [
                ("a".into(), "if(x, \"1,2\", 3)".into()),
                ("b".into(), "lower(y)".into())
            ]
        );
        assert!(eval_assignments("nothing").is_none());
        let r = rex_call(r#"field=arn max_match=0 "(?<acct>\d+):(?P<role>[^/]+)(?=x)""#).unwrap();
        assert_eq!((r.field.as_str(), r.max_match, r.sed), ("arn", 0, false));
        assert_eq!(r.groups(), ["acct", "role"]);
        assert!(rex_call("mode=sed \"s/a/b/\"").unwrap().sed);
        assert!(rex_call("field=x").is_none());
        // regex, in the forms ESCU writes (v4.42.0's detections).
        let call = |f: &str, k: bool, p: &str| {
            Some(RegexCall {
                field: f.into(),
                keep_matches: k,
                pattern: p.into(),
            })
        };
        assert_eq!(
            regex_call(r#"process="(?i)(rundll32\.exe.{0,4}$)""#),
            call("process", true, r"(?i)(rundll32\.exe.{0,4}$)")
        );
        assert_eq!(
            regex_call(r#"file_name =  "\\x{202E}" "#),
            call("file_name", true, r"\\x{202E}")
        );
        assert_eq!(
            regex_call(r#"Path!="a|b\"c""#),
            call("Path", false, r#"a|b"c"#)
        );
        assert_eq!(regex_call(r#""^GET ""#), call("_raw", true, "^GET "));
        assert_eq!(regex_call(r#"x="a" "b""#), None);
        assert_eq!(regex_call("x=unquoted"), None);
        assert_eq!(regex_call(r#"NOT x="a""#), None);
        assert_eq!(regex_call(""), None);
        let sp = spath_call("input=doc output=o a.b{}.c").unwrap();
        assert_eq!(
            (sp.input.as_str(), sp.output.as_deref(), sp.path.as_deref()),
            ("doc", Some("o"), Some("a.b{}.c"))
        );
        assert_eq!(fillnull_call("value=NULL a b").0, "NULL");
        let b = bin_call("span=5m _time AS t").unwrap();
        assert_eq!(
            (b.field.as_str(), b.span.as_deref(), b.as_name.as_deref()),
            ("_time", Some("5m"), Some("t"))
        );
        let (fmt, conv) =
            convert_call(r#"timeformat="%Y" ctime(firstTime) AS ft, ctime(lastTime)"#).unwrap();
        assert_eq!(fmt, "%Y");
        assert_eq!(
            conv,
            [
                ("ctime".into(), "firstTime".into(), "ft".into()),
                ("ctime".into(), "lastTime".into(), "lastTime".into())
            ]
        );
        assert_eq!(mvexpand_call("v limit=3"), Some(("v".into(), Some(3))));
        assert_eq!(dedup_call("a, b"), Some(vec!["a".into(), "b".into()]));
        assert!(dedup_call("3 a").is_none() && dedup_call("a sortby -b").is_none());
        assert_eq!(head_call(""), Some(10));
        assert_eq!(head_call("limit=5"), Some(5));
        assert!(head_call("count>2").is_none());
        assert_eq!(
            sort_call("0 - n, +user").unwrap(),
            (usize::MAX, vec![("n".into(), true), ("user".into(), false)])
        );
        assert!(sort_call("num(n)").is_none());
    }

    #[test]
    fn lookup_calls() {
        let l =
            lookup_call("local=t accounts account AS acct, region OUTPUTNEW owner AS who, team")
                .unwrap();
        assert_eq!(l.table, "accounts");
        assert_eq!(
            l.matches,
            [
                ("account".into(), "acct".into()),
                ("region".into(), "region".into())
            ]
        );
        assert_eq!(
            l.outputs.unwrap(),
            [
                ("owner".into(), "who".into()),
                ("team".into(), "team".into())
            ]
        );
        assert!(l.new_only);
        assert_eq!(lookup_call("t f").unwrap().outputs, None);
        assert!(lookup_call("t").is_none());
        assert!(lookup_call("t f OUTPUT a OUTPUT b").is_none());
    }

    #[test]
    fn tstats_reads_its_data_model_where_clause_and_by_options() {
        let t = tstats_call(
            "summariesonly=t count min(_time) as firstTime from datamodel=Endpoint.Processes where Processes.process_name=7z.exe by Processes.dest",
        )
        .expect("a tstats call");
        assert_eq!(t.datamodel, "Endpoint.Processes");
        assert_eq!(t.datamodel_name(), "Endpoint");
        assert_eq!(t.where_text, "Processes.process_name=7z.exe");
        assert!(t.by_options.is_empty());
        assert_eq!(t.fillnull_value, None);
        assert_eq!(t.aggregations.by, ["Processes.dest"]);
        let t = tstats_call(
            "summariesonly=false fillnull_value=\"null\" count from datamodel=Change by _time span=1h All_Changes.user",
        )
        .expect("a tstats call");
        assert_eq!(t.by_options, [("span".to_string(), "1h".to_string())]);
        assert_eq!(t.fillnull_value.as_deref(), Some("null"));
        assert_eq!(t.aggregations.by, ["_time", "All_Changes.user"]);
        assert_eq!(tstats_call("count from summary_index"), None);
    }

    #[test]
    fn streamstats_reads_current_window_and_other_options() {
        let s = streamstats_call("current=f window=5 count by user").expect("a call");
        assert!(!s.current);
        assert_eq!(s.window, 5);
        assert!(s.other_options.is_empty());
        assert_eq!(s.aggregations.by, ["user"]);
        let s = streamstats_call("reset_on_change=t dc(x) as n").expect("a call");
        assert_eq!(s.other_options, ["reset_on_change"]);
        assert_eq!(streamstats_call("window=five count"), None);
    }
}
