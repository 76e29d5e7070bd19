//! The SPL subset the shipped searches use, evaluated on rows.
//!
//! Semantics follow Splunk's where the subset reaches:
//!
//! - `tstats <aggregates> from datamodel=<name> where <search terms> by
//!   <fields>` must be the first command; the rows given are the data
//!   model's (the caller maps events with [`crate::mapping`]). Terms are `field=value`,
//!   `field!=value`, `field IN (v1, v2)`, with `AND` (also implied by a
//!   space), `OR`, `NOT` and parentheses; values match without regard to
//!   case and `*` is a wildcard, as in a search; a value in CIDR notation
//!   (`10.0.0.0/8`) matches the IP addresses inside the block. `field!=value` needs the
//!   field; `NOT field=value` also matches rows without it. Rows missing a
//!   `by` field are dropped, or read it as `fillnull_value=<v>` when given
//!   (ESCU's `security_content_summariesonly` gives `null`); `by _time
//!   span=<n><s|m|h|d>` groups `_time` into buckets of the span from the
//!   epoch. Other options (`summariesonly=...`) are accepted and change
//!   nothing here.
//!   Aggregates: `count`, `earliest(_time)`, `latest(_time)`, `min(f)`,
//!   `max(f)`, `sum(f)`, `values(f)` (sorted, distinct), `dc(f)`, each with
//!   `as name`.
//! - `where <expr>` and `eval <name>=<expr>[, ...]` use eval expressions:
//!   numbers, `"strings"`, fields (their first value), `+ - * /`,
//!   comparisons (`=` and `==` compare strings exactly, numbers as numbers),
//!   `AND OR NOT`, `isnull(f)`, `isnotnull(f)`, `if(c, a, b)`,
//!   `replace(s, regex, repl)` (`\1` back-references, as PCRE), `lower(s)`,
//!   `round(x[, n])`. A comparison with a null is false, as in Splunk.
//! - `stats <aggregates> by <fields>`, with the aggregates of tstats.
//! - `rename a as b` and `rename prefix.* as *`; `table` and `fields`
//!   (keep the listed fields, `*` wildcards allowed); `convert
//!   timeformat="..." ctime(f)` (UTC); `search <terms>` (the default
//!   filter macro `search *` included); `dedup f...` (first row of each
//!   combination, rows without a field dropped); `head [N]`; `sort [N]
//!   [-|+]f...` (numbers as numbers, at most 10,000 rows by default);
//!   `fillnull [value=V] [f...]`. Other forms of these commands are
//!   reported as outside the subset.
//! - A search that starts with search terms instead of `| tstats` runs
//!   over events (the rows given are then the events' fields, for JSON
//!   events [`crate::json::fields`]): `field=value`, `field!=value`,
//!   `field IN (...)` (values case-insensitive, `*` wildcards), `AND`,
//!   `OR`, `NOT`, parentheses, and bare words, which match the event's
//!   `_raw` as a substring (Splunk matches whole indexed tokens, so this
//!   may keep more events). `<`/`>` comparisons are an error.
//! - `firstseen <options>`: the real engine on the rows, the state file
//!   `<lookup>.csv` in [`Context::state_dir`], the window resolved from
//!   [`Context::latest`].
//!
//! Macros are expanded first from the content's definitions
//! ([`Context::macros`]), arguments substituted as Splunk does (`$arg$`).

use crate::Row;
use crate::support::{cached_regex, unsupported};
pub use detc_spl::expr::Expr;
use detc_spl::terms::Term;
use detc_spl::{split_pipeline, split_words};
use splunk_chunked::Records;
use splunk_chunked::body::{BodyWriter, MV_PREFIX, encode_mv};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A macro definition lookup: `(name, arity)` to (argument names, definition).
pub type Macros<'a> = detc_spl::Definitions<'a>;

/// What a replayed search runs against.
pub struct Context<'a> {
    /// Macro definitions (the content's `macros/`).
    pub macros: Macros<'a>,
    /// Folder of firstseen's state files (the app's `lookups/`).
    pub state_dir: PathBuf,
    /// The search's latest time, epoch seconds: firstseen resolves its
    /// window from it, and it is `now()`.
    pub latest: i64,
    /// The content's CSV lookups, for `lookup`.
    pub lookups: crate::lookup::Resolver<'a>,
}

/// Expands every macro of `search` with [`detc_spl::expand_macros`], the
/// one expansion detc has.
///
/// # Errors
/// A macro without a definition of that arity (the replay cannot run what
/// it cannot see), or one that uses itself.
pub fn expand_macros(search: &str, macros: Macros) -> Result<String, String> {
    let e = detc_spl::expand_macros(search, macros).map_err(|e| e.to_string())?;
    match e.undefined.first() {
        Some(m) => Err(format!("the macro `{m}` is not defined")),
        None => Ok(detc_spl::without_comments(&e.text)),
    }
}

/// The data model a search reads when it starts with `| tstats ... from
/// datamodel=<name>[.<dataset>]`: `(<name>, <dataset>)`; `None` for any
/// other search.
pub fn tstats_datamodel(search: &str) -> Option<(String, Option<String>)> {
    let first = split_pipeline(search).into_iter().next()?;
    if first.name != "tstats" {
        return None;
    }
    detc_spl::command::tstats_call(first.args).map(|t| match t.datamodel.split_once('.') {
        Some((name, dataset)) => (name.to_string(), Some(dataset.to_string())),
        None => (t.datamodel.clone(), None),
    })
}

/// Why a search did not run to the end.
#[derive(Debug, Clone, PartialEq)]
pub enum RunError {
    /// The search uses a command, a form of one, a function or a syntax
    /// outside the subset (or a macro without a definition): the replay
    /// cannot say what Splunk would return, so a test of it is skipped.
    Outside(String),
    /// The search fails as it would in Splunk (a firstseen error): a test
    /// of it fails.
    Failed(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Outside(m) | RunError::Failed(m) => f.write_str(m),
        }
    }
}

/// Runs `search` on `rows` (the events the base search would see).
///
/// # Errors
/// The commands [`run`] runs after the first (which is `| tstats` or a
/// search of events): one list with `run`'s own, kept in step by a test.
pub const COMMANDS: &[&str] = &[
    "rename",
    "where",
    "eval",
    "table",
    "fields",
    "stats",
    "convert",
    "dedup",
    "head",
    "sort",
    "fillnull",
    "search",
    "firstseen",
    "spath",
    "rex",
    "regex",
    "bin",
    "bucket",
    "mvexpand",
    "lookup",
    "streamstats",
    "eventstats",
];

/// The first top-level command of the (macro-expanded) `search` that
/// [`run`] does not run: a first command other than `tstats` or a search
/// of events (`inputlookup`, `from`...), or a later one not in
/// [`COMMANDS`]. `None` when every top-level command is in the subset
/// (what a subsearch runs is found when it runs).
pub fn outside_subset(search: &str) -> Option<String> {
    split_pipeline(search)
        .into_iter()
        .enumerate()
        .find(|(i, c)| match *i {
            0 => c.name != "tstats" && c.name != "search",
            _ => !COMMANDS.contains(&c.name.as_str()),
        })
        .map(|(_, c)| c.name)
}

/// [`RunError::Outside`] for what the subset does not read,
/// [`RunError::Failed`] for a firstseen error; the message names the
/// command.
pub fn run(search: &str, rows: &[Row], cx: &Context) -> Result<Vec<Row>, RunError> {
    let search = expand_macros(search, cx.macros).map_err(RunError::Outside)?;
    NOW.with(|n| n.set(cx.latest));
    let mut cur: Vec<Row> = Vec::new();
    for (i, cmd) in split_pipeline(&search).into_iter().enumerate() {
        let args = cmd.args.trim();
        let head: String = cmd.text.chars().take(60).collect();
        let err = |e: String| RunError::Outside(format!("`{head}`: {e}"));
        cur = match cmd.name.as_str() {
            "tstats" if i == 0 => tstats(args, rows).map_err(err)?,
            "tstats" => return Err(err("tstats must be the first command".into())),
            // A search over events: `rows` are the events' fields
            // ([`crate::json::fields`] and the test's `sourcetype`, `source`).
            "search" if i == 0 => {
                let t = detc_spl::terms::parse_terms(args).map_err(err)?;
                rows.iter()
                    .filter(|r| term_matches(&t, r))
                    .cloned()
                    .collect()
            }
            _ if i == 0 => {
                return Err(err(
                    "the search must start with `| tstats` or a search of events".into(),
                ));
            }
            "rename" => rename(args, cur).map_err(err)?,
            "where" => {
                let e = Expr::parse(args).map_err(err)?;
                cur.into_iter().filter(|r| e.eval(r).truthy()).collect()
            }
            "eval" => eval(args, cur).map_err(err)?,
            "table" | "fields" => select(&cmd.name, args, cur),
            "stats" => {
                let (aggs, by) = stats(args).map_err(err)?;
                let refs: Vec<&Row> = cur.iter().collect();
                group(&refs, &aggs, &by)
            }
            "convert" => convert(args, cur).map_err(err)?,
            "dedup" => dedup(args, cur).map_err(err)?,
            "head" => head_rows(args, cur).map_err(err)?,
            "sort" => sort(args, cur).map_err(err)?,
            "fillnull" => fillnull(args, cur).map_err(err)?,
            "search" if args == "*" => cur,
            "search" => {
                let t = detc_spl::terms::parse_terms(args).map_err(err)?;
                cur.into_iter().filter(|r| term_matches(&t, r)).collect()
            }
            "firstseen" => {
                firstseen(args, cur, cx).map_err(|e| RunError::Failed(format!("`{head}`: {e}")))?
            }
            "spath" => crate::extract::spath(args, cur).map_err(err)?,
            "rex" => crate::extract::rex(args, cur).map_err(err)?,
            "regex" => crate::extract::regex(args, cur).map_err(err)?,
            "bin" | "bucket" => crate::extract::bin(args, cur).map_err(err)?,
            "mvexpand" => crate::extract::mvexpand(args, cur).map_err(err)?,
            "lookup" => crate::lookup::lookup(args, cur, cx.lookups).map_err(err)?,
            "streamstats" => streamstats(args, cur).map_err(err)?,
            "eventstats" => {
                let (aggs, by) = stats(args).map_err(err)?;
                eventstats(cur, &aggs, &by)
            }
            other => return Err(err(format!("`{other}` is not in the replay's SPL subset"))),
        };
    }
    Ok(cur)
}

/// Whether `value` matches a search value with `*` wildcards, without
/// regard to case (as a search compares field values).
fn glob_match(pattern: &str, value: &str) -> bool {
    if pattern.is_ascii() && value.is_ascii() {
        // The common case, compared in place: no lower-cased copies.
        return glob_bytes(pattern.as_bytes(), value.as_bytes());
    }
    let (p, v) = (pattern.to_lowercase(), value.to_lowercase());
    glob_bytes(p.as_bytes(), v.as_bytes())
}

/// [`glob_match`] on bytes, ASCII letters compared without regard to case.
fn glob_bytes(p: &[u8], v: &[u8]) -> bool {
    let eq = |a: &[u8], b: &[u8]| a.eq_ignore_ascii_case(b);
    let find = |hay: &[u8], needle: &[u8]| {
        if needle.is_empty() {
            return Some(0);
        }
        hay.windows(needle.len()).position(|w| eq(w, needle))
    };
    let parts: Vec<&[u8]> = p.split(|b| *b == b'*').collect();
    if parts.len() == 1 {
        return eq(p, v);
    }
    let mut rest = v;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if rest.len() < part.len() || !eq(&rest[..part.len()], part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.len() >= part.len() && eq(&rest[rest.len() - part.len()..], part);
        } else {
            match find(rest, part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// `like(s, pattern)`: SQL LIKE, `%` any run of characters, `_` one
/// character, case-sensitive as in Splunk.
fn like(s: &str, pattern: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    // Classic wildcard matching with backtracking on the last `%`.
    let (mut i, mut j) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while i < t.len() {
        if j < p.len() && (p[j] == '_' || p[j] == t[i]) {
            i += 1;
            j += 1;
        } else if j < p.len() && p[j] == '%' {
            star = Some(j);
            mark = i;
            j += 1;
        } else if let Some(st) = star {
            j = st + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    p[j..].iter().all(|c| *c == '%')
}

/// Whether a search term's value matches a field value: a CIDR block
/// (`10.0.0.0/8`, `fd00::/8`) matches the IP addresses inside it, as
/// Splunk's search does for a value in CIDR notation; anything else as
/// [`glob_match`].
fn term_match(pattern: &str, value: &str) -> bool {
    match cidr_contains(pattern, value) {
        Some(inside) => inside,
        None => glob_match(pattern, value),
    }
}

/// `Some(inside)` when `cidr` is a CIDR block and `value` an IP address of
/// the same family; `None` when either is not.
fn cidr_contains(cidr: &str, value: &str) -> Option<bool> {
    use std::net::IpAddr;
    let (net, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    let (net, ip): (IpAddr, IpAddr) = (net.parse().ok()?, value.trim().parse().ok()?);
    let (n, i, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return Some(false),
    };
    if bits > width {
        return None;
    }
    let shift = width - bits;
    Some(shift >= 128 || (n >> shift) == (i >> shift))
}

/// Whether a row matches search terms.
fn term_matches(t: &Term, r: &Row) -> bool {
    match t {
        Term::And(v) => v.iter().all(|t| term_matches(t, r)),
        Term::Or(v) => v.iter().any(|t| term_matches(t, r)),
        Term::Not(t) => !term_matches(t, r),
        Term::Cmp(f, eq, v) => {
            let vals = r.values(f);
            if *eq {
                vals.iter().any(|x| term_match(v, x))
            } else {
                !vals.is_empty() && !vals.iter().any(|x| term_match(v, x))
            }
        }
        Term::Order(f, op, v) => r.values(f).iter().any(|x| {
            let o = match (x.trim().parse::<f64>(), v.parse::<f64>()) {
                (Ok(a), Ok(b)) => a.partial_cmp(&b),
                _ => Some(x.as_str().cmp(v.as_str())),
            };
            o.is_some_and(|o| match op.as_str() {
                "<" => o.is_lt(),
                "<=" => o.is_le(),
                ">" => o.is_gt(),
                _ => o.is_ge(),
            })
        }),
        Term::In(f, vs) => r
            .values(f)
            .iter()
            .any(|x| vs.iter().any(|v| term_match(v, x))),
        Term::Word(w) => {
            let w = w.trim_matches('*');
            r.first("_raw").is_some_and(|raw| {
                w.split('*')
                    .all(|part| raw.to_lowercase().contains(&part.to_lowercase()))
            })
        }
    }
}

/// Search terms (`field=value`, `field!=value`, `field IN (...)`, `AND`,
/// `OR`, `NOT`, parentheses, bare words against `_raw`; values
/// case-insensitive with `*` wildcards and CIDR blocks), parsed once and
/// matched against rows: what a search's first command does to events.
#[derive(Debug)]
pub struct SearchTerms(Term);

impl SearchTerms {
    /// Parses `terms`.
    ///
    /// # Errors
    /// A syntax the subset does not read, with what was found.
    pub fn parse(terms: &str) -> Result<SearchTerms, String> {
        detc_spl::terms::parse_terms(terms).map(SearchTerms)
    }

    /// Whether the row matches.
    pub fn matches(&self, r: &Row) -> bool {
        term_matches(&self.0, r)
    }
}

// ---- search terms (tstats where) ----

// ---- tstats ----

#[derive(Debug)]
enum Agg {
    Count,
    /// `count(f)`: the number of values of the field.
    CountOf(String),
    Min(String),
    Max(String),
    /// The value of the field in the earliest event that has it.
    Earliest(String),
    /// The value of the field in the latest event that has it.
    Latest(String),
    Values(String),
    Dc(String),
    Sum(String),
    Avg(String),
    /// The sample standard deviation.
    Stdev(String),
}

fn tstats(args: &str, rows: &[Row]) -> Result<Vec<Row>, String> {
    let t = detc_spl::command::tstats_call(args)
        .ok_or("only `tstats ... from datamodel=...` is replayed")?;
    let filter = if t.where_text.trim().is_empty() {
        None
    } else {
        Some(detc_spl::terms::parse_terms(&t.where_text)?)
    };
    let mut span = None;
    for (k, v) in &t.by_options {
        match k.as_str() {
            "span" => {
                span = Some(span_seconds(v).ok_or_else(|| unsupported(&format!("span={v}")))?)
            }
            _ => return Err(unsupported(&format!("tstats `{k}=`"))),
        }
    }
    let (aggs, by) = grouping(t.aggregations)?;
    if span.is_some() && !by.iter().any(|b| b == "_time") {
        return Err(unsupported("tstats `span=` without `_time` in `by`"));
    }
    let rows: Vec<&Row> = rows
        .iter()
        .filter(|r| filter.as_ref().is_none_or(|f| term_matches(f, r)))
        .collect();
    // What a row lacks reads as `fillnull_value` in the grouping; `_time`
    // falls into its span (the start of the bucket, in epoch seconds).
    let fill = t.fillnull_value.as_deref();
    match span {
        None => Ok(group_filled(&rows, &aggs, &by, fill)),
        Some(secs) => Ok(group_binned(&rows, &aggs, &by, secs, fill)),
    }
}

/// Seconds of a `span=` value: a number and a unit of seconds, minutes,
/// hours or days (`30s`, `5m`, `1h`, `1d`; Search Reference, "bin");
/// `None` for any other (months, a bare number, zero).
fn span_seconds(v: &str) -> Option<i64> {
    let digits = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let n: i64 = v[..digits].parse().ok().filter(|n| *n > 0)?;
    let unit = match v[digits..].to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// [`group_filled`] with `_time` of the `by` fields read as the start of
/// its `secs`-second bucket (UTC, from the epoch, as Splunk's spans of
/// hours and less are); the aggregates read the rows as they are.
fn group_binned(
    rows: &[&Row],
    aggs: &[(Agg, String)],
    by: &[String],
    secs: i64,
    fill: Option<&str>,
) -> Vec<Row> {
    let mut buckets: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        if let Some(t) = r.first("_time").and_then(|t| t.parse::<f64>().ok()) {
            let t = t.floor() as i64;
            buckets.entry(t - t.rem_euclid(secs)).or_default().push(r);
        }
    }
    let others: Vec<String> = by.iter().filter(|b| *b != "_time").cloned().collect();
    let mut out = Vec::new();
    for (start, members) in buckets {
        for mut row in group_filled(&members, aggs, &others, fill) {
            row.set("_time", start.to_string());
            out.push(row);
        }
    }
    out
}

/// Aggregates with their output names, and the `by` fields.
type Grouping = (Vec<(Agg, String)>, Vec<String>);

/// Reads `stats <aggregates> by <fields>` with detc-spl's reader, the one
/// the output-field rules use.
fn stats(args: &str) -> Result<Grouping, String> {
    grouping(detc_spl::command::aggregations(args).ok_or("an `as` without a name")?)
}

/// The aggregations this subset runs, from detc-spl's reading of them.
fn grouping(a: detc_spl::command::Aggregations) -> Result<Grouping, String> {
    let aggs = a
        .aggs
        .iter()
        .map(|g| {
            let arg = g.arg.clone();
            let agg = match g.func.as_str() {
                "count" if arg.is_empty() => Agg::Count,
                "count" => Agg::CountOf(arg),
                "min" => Agg::Min(arg),
                "max" => Agg::Max(arg),
                "earliest" if arg == "_time" => Agg::Min(arg),
                "latest" if arg == "_time" => Agg::Max(arg),
                "earliest" => Agg::Earliest(arg),
                "latest" => Agg::Latest(arg),
                "avg" | "mean" => Agg::Avg(arg),
                "stdev" => Agg::Stdev(arg),
                "values" => Agg::Values(arg),
                "dc" => Agg::Dc(arg),
                "sum" => Agg::Sum(arg),
                _ => return Err(format!("the aggregate `{}` is not replayed", g.call)),
            };
            if agg_arg(&agg).is_some_and(|a| a.contains('*')) {
                return Err(format!(
                    "the aggregate `{}` over a wildcard is not replayed",
                    g.call
                ));
            }
            Ok((agg, g.name.clone()))
        })
        .collect::<Result<_, _>>()?;
    Ok((aggs, a.by))
}

/// The field an aggregate reads (`None` for `count`).
fn agg_arg(a: &Agg) -> Option<&str> {
    match a {
        Agg::Count => None,
        Agg::CountOf(f)
        | Agg::Min(f)
        | Agg::Max(f)
        | Agg::Earliest(f)
        | Agg::Latest(f)
        | Agg::Values(f)
        | Agg::Dc(f)
        | Agg::Sum(f)
        | Agg::Avg(f)
        | Agg::Stdev(f) => Some(f),
    }
}

/// Groups `rows` by the `by` fields (rows missing one are dropped) and
/// computes the aggregates of each group.
fn group(rows: &[&Row], aggs: &[(Agg, String)], by: &[String]) -> Vec<Row> {
    group_filled(rows, aggs, by, None)
}

/// [`group`], a missing `by` field read as `fill` when given (tstats'
/// `fillnull_value`) instead of dropping the row.
fn group_filled(
    rows: &[&Row],
    aggs: &[(Agg, String)],
    by: &[String],
    fill: Option<&str>,
) -> Vec<Row> {
    let mut groups: BTreeMap<Vec<String>, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        if let Some(key) = group_key(r, by, fill) {
            groups.entry(key).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for (key, members) in groups {
        let mut row = Row::new();
        for (b, v) in by.iter().zip(key) {
            row.set(b, v);
        }
        for (agg, name) in aggs {
            let nums = |f: &str| {
                members
                    .iter()
                    .flat_map(|r| r.values(f))
                    .filter_map(|v| v.parse::<f64>().ok())
                    .collect::<Vec<f64>>()
            };
            let distinct = |f: &str| {
                members
                    .iter()
                    .flat_map(|r| r.values(f).iter().cloned())
                    .collect::<BTreeSet<String>>()
            };
            match agg {
                Agg::Count => row.set(name, members.len().to_string()),
                Agg::CountOf(f) => row.set(
                    name,
                    members
                        .iter()
                        .map(|r| r.values(f).len())
                        .sum::<usize>()
                        .to_string(),
                ),
                Agg::Min(f) => {
                    if let Some(m) = nums(f).into_iter().reduce(f64::min) {
                        row.set(name, num(m));
                    }
                }
                Agg::Max(f) => {
                    if let Some(m) = nums(f).into_iter().reduce(f64::max) {
                        row.set(name, num(m));
                    }
                }
                Agg::Values(f) => {
                    let v: Vec<String> = distinct(f).into_iter().collect();
                    if !v.is_empty() {
                        row.0.insert(name.clone(), v);
                    }
                }
                Agg::Dc(f) => row.set(name, distinct(f).len().to_string()),
                Agg::Sum(f) => row.set(name, num(nums(f).into_iter().sum())),
                Agg::Avg(f) => {
                    let v = nums(f);
                    if !v.is_empty() {
                        row.set(name, num(v.iter().sum::<f64>() / v.len() as f64));
                    }
                }
                Agg::Stdev(f) => {
                    let v = nums(f);
                    if v.len() > 1 {
                        let mean = v.iter().sum::<f64>() / v.len() as f64;
                        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                            / (v.len() - 1) as f64;
                        row.set(name, num(var.sqrt()));
                    }
                }
                Agg::Earliest(f) | Agg::Latest(f) => {
                    let time = |r: &&&Row| {
                        r.first("_time")
                            .and_then(|t| t.parse::<f64>().ok())
                            .unwrap_or(f64::NAN)
                    };
                    let with: Vec<&&Row> =
                        members.iter().filter(|r| !r.values(f).is_empty()).collect();
                    let pick = if matches!(agg, Agg::Earliest(_)) {
                        with.into_iter().min_by(|a, b| time(a).total_cmp(&time(b)))
                    } else {
                        with.into_iter().max_by(|a, b| time(a).total_cmp(&time(b)))
                    };
                    if let Some(r) = pick {
                        row.0.insert(name.clone(), r.values(f).to_vec());
                    }
                }
            }
        }
        out.push(row);
    }
    out
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

// ---- rename, table, convert ----

/// A row's values of the `by` fields (first values), a missing one read
/// as `fill`; `None` when it lacks one and there is no `fill`: such rows
/// are in no group, as in Splunk.
fn group_key(r: &Row, by: &[String], fill: Option<&str>) -> Option<Vec<String>> {
    by.iter()
        .map(|b| r.first(b).or(fill).map(str::to_string))
        .collect()
}

/// Each row with the fields of its entry of `added` (eventstats,
/// streamstats).
fn with_added(rows: Vec<Row>, added: Vec<Option<Row>>) -> Vec<Row> {
    rows.into_iter()
        .zip(added)
        .map(|(mut r, a)| {
            if let Some(a) = a {
                r.0.extend(a.0);
            }
            r
        })
        .collect()
}

/// `eventstats <aggregates> [by <fields>]`: the aggregates of each row's
/// group added to the row (rows without a `by` field get none, and stay).
fn eventstats(rows: Vec<Row>, aggs: &[(Agg, String)], by: &[String]) -> Vec<Row> {
    let mut groups: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(key) = group_key(r, by, None) {
            groups.entry(key).or_default().push(i);
        }
    }
    let mut added: Vec<Option<Row>> = vec![None; rows.len()];
    for members in groups.values() {
        let refs: Vec<&Row> = members.iter().map(|&i| &rows[i]).collect();
        let Some(totals) = group(&refs, aggs, &[]).pop() else {
            continue;
        };
        for &i in members {
            added[i] = Some(totals.clone());
        }
    }
    with_added(rows, added)
}

/// `streamstats [current=<bool>] [window=<n>] <aggregates> [by <fields>]`:
/// each row gets the aggregates of the rows before it in its group (and
/// itself unless `current=f`), the last `window` of them when `window` is
/// set. Other options (`reset_on_change`, `time_window`...) are outside
/// the subset.
fn streamstats(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let call = detc_spl::command::streamstats_call(args)
        .ok_or("streamstats: `window=` is not a number, or an `as` without a name")?;
    if let Some(k) = call.other_options.first() {
        return Err(unsupported(&format!("streamstats {k}=")));
    }
    let (current, window) = (call.current, call.window);
    let (aggs, by) = grouping(call.aggregations)?;
    let mut seen: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    let mut added: Vec<Option<Row>> = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let Some(key) = group_key(r, &by, None) else {
            added.push(None);
            continue;
        };
        let before = seen.entry(key).or_default();
        let mut members: Vec<usize> = before.clone();
        if current {
            members.push(i);
        }
        if window > 0 && members.len() > window {
            members.drain(..members.len() - window);
        }
        let refs: Vec<&Row> = members.iter().map(|&m| &rows[m]).collect();
        added.push(if refs.is_empty() {
            None
        } else {
            group(&refs, &aggs, &[]).pop()
        });
        before.push(i);
    }
    Ok(with_added(rows, added))
}

/// `rename a AS b, c* AS d*` with detc-spl's reader and its wildcard rule
/// (a `*` anywhere), the ones the output-field rules use; each pair in
/// turn, as Splunk applies them.
fn rename(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let pairs = detc_spl::command::renames(args).ok_or("only `rename a as b` pairs are read")?;
    if pairs
        .iter()
        .any(|(a, b)| a.matches('*').count() > 1 || b.matches('*').count() > 1)
    {
        return Err(unsupported(&format!("rename {args}")));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            pairs.iter().fold(r, |r, (from, to)| {
                let mut out = Row::new();
                for (k, v) in r.0 {
                    let name = detc_spl::command::renamed(&k, from, to).unwrap_or(k);
                    out.0.insert(name, v);
                }
                out
            })
        })
        .collect())
}

/// `table` and `fields` with detc-spl's reader (`fields - x` removes),
/// the one the output-field rules use; names match case-sensitively.
fn select(command: &str, args: &str, rows: Vec<Row>) -> Vec<Row> {
    let sel = detc_spl::command::field_selection(command, args);
    let hit = |k: &str| {
        sel.patterns
            .iter()
            .any(|p| detc_spl::command::matches_field(p, k))
    };
    rows.into_iter()
        .map(|r| {
            Row(r
                .0
                .into_iter()
                .filter(|(k, _)| hit(k) != sel.remove)
                .collect())
        })
        .collect()
}

/// `dedup f1 f2 ...`: the first row of each combination of values; rows
/// without one of the fields are dropped (Splunk's default, `keepempty=false`).
fn dedup(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let fields =
        detc_spl::command::dedup_call(args).ok_or_else(|| unsupported(&format!("dedup {args}")))?;
    let mut seen = BTreeSet::new();
    Ok(rows
        .into_iter()
        .filter(|r| {
            let key: Option<Vec<Vec<String>>> = fields
                .iter()
                .map(|f| {
                    let v = r.values(f);
                    (!v.is_empty()).then(|| v.to_vec())
                })
                .collect();
            key.is_some_and(|k| seen.insert(k))
        })
        .collect())
}

/// `head [N]` or `head limit=N`: the first N rows (10 by default).
fn head_rows(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let n = detc_spl::command::head_call(args)
        .ok_or_else(|| unsupported(&format!("head {}", args.trim())))?;
    Ok(rows.into_iter().take(n).collect())
}

/// `sort [N] [-|+]f1 ...`: by each field in turn, `-` descending; numbers
/// compare as numbers when both values are numbers, else as text. At most
/// N rows (10,000 without N, Splunk's default; `0` for all). `num()`,
/// `str()`, `ip()` and `auto()` wrappers are not read.
fn sort(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let (limit, keys) = detc_spl::command::sort_call(args)
        .filter(|(_, k)| !k.is_empty())
        .ok_or_else(|| unsupported(&format!("sort {args}")))?;
    let mut rows = rows;
    rows.sort_by(|a, b| {
        for (f, desc) in &keys {
            let (x, y) = (a.first(f).unwrap_or(""), b.first(f).unwrap_or(""));
            let o = match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(p), Ok(q)) => p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal),
                _ => x.cmp(y),
            };
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    rows.truncate(limit);
    Ok(rows)
}

/// `fillnull [value=V] [f1 f2 ...]`: missing or empty fields become V
/// (`0` by default); without fields, every field of any row.
fn fillnull(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let (value, mut fields, other) = detc_spl::command::fillnull_call(args);
    if !other.is_empty() {
        return Err(unsupported(&format!("fillnull {args}")));
    }
    if fields.is_empty() {
        let all: BTreeSet<String> = rows.iter().flat_map(|r| r.0.keys().cloned()).collect();
        fields = all.into_iter().collect();
    }
    Ok(rows
        .into_iter()
        .map(|mut r| {
            for f in &fields {
                if r.values(f).iter().all(|v| v.is_empty()) {
                    r.set(f, value.clone());
                }
            }
            r
        })
        .collect())
}

/// `convert [timeformat="..."] ctime(f) [AS g]...`: epoch seconds to text
/// in the format (UTC); other conversion functions are outside the subset.
fn convert(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let (fmt, conversions) = detc_spl::command::convert_call(args)
        .filter(|(_, c)| !c.is_empty() && c.iter().all(|(f, _, _)| f == "ctime"))
        .ok_or("only `convert [timeformat=\"...\"] ctime(field) [AS name]` is read")?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            for (_, field, name) in &conversions {
                let out: Vec<String> = r
                    .values(field)
                    .iter()
                    .map(|v| {
                        v.parse::<f64>()
                            .ok()
                            .and_then(|s| jiff::Timestamp::from_second(s as i64).ok())
                            .and_then(|t| {
                                jiff::fmt::strtime::format(
                                    fmt.as_str(),
                                    &t.to_zoned(jiff::tz::TimeZone::UTC),
                                )
                                .ok()
                            })
                            .unwrap_or_else(|| v.clone())
                    })
                    .collect();
                if !out.is_empty() {
                    r.0.insert(name.clone(), out);
                }
            }
            r
        })
        .collect())
}

// ---- firstseen ----

fn firstseen(args: &str, rows: Vec<Row>, cx: &Context) -> Result<Vec<Row>, String> {
    let argv: Vec<String> = split_words(args)
        .iter()
        .map(|t| t.text.to_string())
        .collect();
    // The command's own option parser, as the rules read the call.
    let opts = firstseen_options::options::Options::parse(&argv, true)?;
    let lookup = opts.lookup.as_deref().ok_or("firstseen needs lookup=")?;
    let state = cx
        .state_dir
        .join(format!("{}.csv", lookup.trim_end_matches(".csv")));
    // Rows to a body as splunkd sends it, and the reply back to rows, with
    // the protocol crate's codec (multivalue fields in `__mv_` columns).
    let names: BTreeSet<&String> = rows.iter().flat_map(|r| r.0.keys()).collect();
    let mut w = BodyWriter::new(
        names
            .iter()
            .map(|n| n.to_string())
            .chain(names.iter().map(|n| format!("{MV_PREFIX}{n}"))),
    );
    for r in &rows {
        for n in &names {
            w.field(r.values(n).join("\n"));
        }
        for n in &names {
            let v = r.values(n);
            w.field(if v.len() > 1 {
                encode_mv(v.iter().map(String::as_str))
            } else {
                String::new()
            });
        }
        w.end_row();
    }
    let out = firstseen::standalone::run(&argv, &w.finish(), &state, Some(cx.latest as f64))?;
    let reply = Records::parse(&out.body)?;
    Ok((0..reply.len())
        .map(|i| {
            let mut row = Row::new();
            for (f, name) in reply.fields().iter().enumerate() {
                let v: Vec<String> = reply.values(i, f).iter().map(str::to_string).collect();
                if !v.is_empty() {
                    row.0.insert(name.clone(), v);
                }
            }
            row
        })
        .collect())
}

// ---- eval expressions ----

thread_local! {
    /// `now()`: the running search's latest time, epoch seconds (set by
    /// [`run`] from [`Context::latest`]).
    static NOW: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

/// A value of an eval expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value (a missing field, a failed conversion).
    Null,
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A boolean (comparisons, `AND`...).
    Bool(bool),
    /// A multivalue (`split`, `mvappend`, a multivalue field given to an
    /// `mv*` function); elsewhere it acts as its first value.
    Mv(Vec<String>),
}

impl Value {
    fn truthy(&self) -> bool {
        matches!(self, Value::Bool(true))
    }
    fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => s.trim().parse().ok(),
            Value::Mv(v) => v.first().and_then(|s| s.trim().parse().ok()),
            _ => None,
        }
    }
    pub(crate) fn text(&self) -> Option<String> {
        match self {
            Value::Num(n) => Some(num(*n)),
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Mv(v) => v.first().cloned(),
            Value::Null => None,
        }
    }
    /// Every value: one for a single value, none for null.
    pub fn values(&self) -> Vec<String> {
        match self {
            Value::Mv(v) => v.clone(),
            other => other.text().into_iter().collect(),
        }
    }
    /// A multivalue of `v`: null when empty, a single value when one.
    fn from_values(mut v: Vec<String>) -> Value {
        match v.len() {
            0 => Value::Null,
            1 => Value::Str(v.remove(0)),
            _ => Value::Mv(v),
        }
    }
}

/// Parses an eval expression and checks that every function it calls is
/// one the subset evaluates.
///
/// # Errors
/// Syntax outside the subset, or a function it does not evaluate.
pub fn compile(s: &str) -> Result<Expr, String> {
    let e = Expr::parse(s)?;
    check_functions(&e)?;
    Ok(e)
}

/// Evaluating an eval expression ([`detc_spl::expr::Expr`]) on a row.
pub trait Evaluate {
    /// The value of the expression on `r`.
    fn eval(&self, r: &Row) -> Value;
}

impl Evaluate for Expr {
    fn eval(&self, r: &Row) -> Value {
        match self {
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(x) => Value::Str(x.clone()),
            Expr::Field(f) => r
                .first(f)
                .map(|v| Value::Str(v.to_string()))
                .unwrap_or(Value::Null),
            Expr::Not(e) => match e.eval(r) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Null,
            },
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(r), b.eval(r));
                match op.as_str() {
                    "." => match (x.text(), y.text()) {
                        (Some(a), Some(b)) => Value::Str(a + &b),
                        _ => Value::Null,
                    },
                    "AND" => Value::Bool(x.truthy() && y.truthy()),
                    "OR" => Value::Bool(x.truthy() || y.truthy()),
                    "+" | "-" | "*" | "/" => match (x.as_num(), y.as_num()) {
                        (Some(p), Some(q)) => Value::Num(match op.as_str() {
                            "+" => p + q,
                            "-" => p - q,
                            "*" => p * q,
                            _ if q == 0.0 => return Value::Null,
                            _ => p / q,
                        }),
                        _ => Value::Null,
                    },
                    _ => {
                        if x == Value::Null || y == Value::Null {
                            return Value::Bool(false);
                        }
                        let ord = match (x.as_num(), y.as_num()) {
                            (Some(p), Some(q)) => p.partial_cmp(&q),
                            _ => x.text().partial_cmp(&y.text()),
                        };
                        let Some(o) = ord else {
                            return Value::Bool(false);
                        };
                        use std::cmp::Ordering::*;
                        Value::Bool(match op.as_str() {
                            "=" => o == Equal,
                            "!=" => o != Equal,
                            "<" => o == Less,
                            "<=" => o != Greater,
                            ">" => o == Greater,
                            _ => o != Less,
                        })
                    }
                }
            }
            Expr::Call(f, args) if f == "case" => args
                .chunks(2)
                .find(|p| p.len() == 2 && p[0].eval(r).truthy())
                .map_or(Value::Null, |p| p[1].eval(r)),
            Expr::Call(f, args) if f == "coalesce" => args
                .iter()
                .map(|a| a.eval(r))
                .find(|v| *v != Value::Null)
                .unwrap_or(Value::Null),
            Expr::Call(f, args) if f.starts_with("mv") || f == "split" => {
                // A field argument keeps all its values.
                let v: Vec<Value> = args
                    .iter()
                    .map(|a| match a {
                        Expr::Field(name) => Value::from_values(r.values(name).to_vec()),
                        other => other.eval(r),
                    })
                    .collect();
                match (f.as_str(), v.as_slice()) {
                    ("mvcount", [x]) => match x.values().len() {
                        0 => Value::Null,
                        n => Value::Num(n as f64),
                    },
                    ("mvindex", [x, start, rest @ ..]) if rest.len() <= 1 => {
                        let vals = x.values();
                        let n = vals.len() as i64;
                        let at = |i: &Value| {
                            i.as_num().map(|i| {
                                let i = i as i64;
                                if i < 0 { n + i } else { i }
                            })
                        };
                        let (Some(a), b) = (at(start), rest.first().map(at)) else {
                            return Value::Null;
                        };
                        let b = match b {
                            None => a,
                            Some(Some(b)) => b,
                            Some(None) => return Value::Null,
                        };
                        if a < 0 || a >= n || b < a {
                            return Value::Null;
                        }
                        let b = b.min(n - 1);
                        Value::from_values(vals[a as usize..=b as usize].to_vec())
                    }
                    ("mvjoin", [x, sep]) => match (x.values(), sep.text()) {
                        (v, Some(sep)) if !v.is_empty() => Value::Str(v.join(&sep)),
                        _ => Value::Null,
                    },
                    ("mvappend", parts) => {
                        Value::from_values(parts.iter().flat_map(Value::values).collect())
                    }
                    ("mvdedup", [x]) => {
                        let mut seen = BTreeSet::new();
                        Value::from_values(
                            x.values()
                                .into_iter()
                                .filter(|v| seen.insert(v.clone()))
                                .collect(),
                        )
                    }
                    ("mvsort", [x]) => {
                        let mut v = x.values();
                        v.sort();
                        Value::from_values(v)
                    }
                    ("split", [x, sep]) => match (x.text(), sep.text()) {
                        (Some(x), Some(sep)) if !sep.is_empty() => {
                            Value::from_values(x.split(sep.as_str()).map(str::to_string).collect())
                        }
                        // Splunk: an empty delimiter splits into characters.
                        (Some(x), Some(_)) => {
                            Value::from_values(x.chars().map(String::from).collect())
                        }
                        _ => Value::Null,
                    },
                    _ => Value::Null,
                }
            }
            Expr::Call(f, args) => {
                let v: Vec<Value> = args.iter().map(|a| a.eval(r)).collect();
                let text =
                    |x: &Value, f: fn(&str) -> Value| x.text().map_or(Value::Null, |s| f(&s));
                match (f.as_str(), v.as_slice()) {
                    ("null", []) => Value::Null,
                    ("now", []) => Value::Num(NOW.with(|n| n.get()) as f64),
                    ("relative_time", [t, m]) => match (t.as_num(), m.text()) {
                        (Some(t), Some(m)) => firstseen_options::reltime::RelTime::parse(&m)
                            .and_then(|rt| rt.resolve(t, &jiff::tz::TimeZone::UTC))
                            .map_or(Value::Null, Value::Num),
                        _ => Value::Null,
                    },
                    ("strftime", [t, fmt]) => match (t.as_num(), fmt.text()) {
                        (Some(t), Some(fmt)) => jiff::Timestamp::from_second(t.floor() as i64)
                            .ok()
                            .and_then(|ts| {
                                jiff::fmt::strtime::format(
                                    fmt.as_str(),
                                    &ts.to_zoned(jiff::tz::TimeZone::UTC),
                                )
                                .ok()
                            })
                            .map_or(Value::Null, Value::Str),
                        _ => Value::Null,
                    },
                    ("strptime", [s, fmt]) => match (s.text(), fmt.text()) {
                        (Some(s), Some(fmt)) => jiff::fmt::strtime::parse(fmt.as_str(), s.as_str())
                            .ok()
                            .and_then(|p| {
                                p.to_timestamp().ok().or_else(|| {
                                    p.to_datetime()
                                        .ok()
                                        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                                        .map(|z| z.timestamp())
                                })
                            })
                            .map_or(Value::Null, |t| Value::Num(t.as_second() as f64)),
                        _ => Value::Null,
                    },
                    ("upper", [x]) => text(x, |s| Value::Str(s.to_uppercase())),
                    ("len", [x]) => text(x, |s| Value::Num(s.chars().count() as f64)),
                    ("tostring", [x]) => text(x, |s| Value::Str(s.to_string())),
                    ("tonumber", [x]) => x.as_num().map_or(Value::Null, Value::Num),
                    ("match", [s, re]) => match (s.text(), re.text()) {
                        (Some(s), Some(re)) => match cached_regex(&re) {
                            Some(re) => Value::Bool(re.is_match(&s)),
                            None => Value::Null,
                        },
                        _ => Value::Bool(false),
                    },
                    ("like", [s, pat]) => match (s.text(), pat.text()) {
                        (Some(s), Some(p)) => Value::Bool(like(&s, &p)),
                        _ => Value::Bool(false),
                    },
                    ("cidrmatch", [cidr, ip]) => match (cidr.text(), ip.text()) {
                        (Some(c), Some(ip)) => Value::Bool(cidr_contains(&c, &ip) == Some(true)),
                        _ => Value::Bool(false),
                    },
                    ("substr", [s, start, rest @ ..]) if rest.len() <= 1 => {
                        let (Some(s), Some(start)) = (s.text(), start.as_num()) else {
                            return Value::Null;
                        };
                        let chars: Vec<char> = s.chars().collect();
                        // Splunk: 1-based; a negative start counts from the end.
                        let from = if start < 0.0 {
                            chars.len().saturating_sub((-start) as usize)
                        } else {
                            (start as usize).saturating_sub(1)
                        };
                        let n = rest
                            .first()
                            .and_then(Value::as_num)
                            .map_or(chars.len(), |n| n.max(0.0) as usize);
                        Value::Str(chars.iter().skip(from).take(n).collect())
                    }
                    ("isnull", [x]) => Value::Bool(*x == Value::Null),
                    ("isnotnull", [x]) => Value::Bool(*x != Value::Null),
                    ("if", [c, a, b]) => {
                        if c.truthy() {
                            a.clone()
                        } else {
                            b.clone()
                        }
                    }
                    ("lower", [x]) => x
                        .text()
                        .map(|s| Value::Str(s.to_lowercase()))
                        .unwrap_or(Value::Null),
                    ("round", [x]) => x
                        .as_num()
                        .map(|n| Value::Num(n.round()))
                        .unwrap_or(Value::Null),
                    ("round", [x, d]) => match (x.as_num(), d.as_num()) {
                        (Some(n), Some(d)) => {
                            let m = 10f64.powi(d as i32);
                            Value::Num((n * m).round() / m)
                        }
                        _ => Value::Null,
                    },
                    ("replace", [s, re, rep]) => {
                        let (Some(s), Some(re), Some(rep)) = (s.text(), re.text(), rep.text())
                        else {
                            return Value::Null;
                        };
                        let Some(re) = cached_regex(&re) else {
                            return Value::Null;
                        };
                        // PCRE's \1 is the regex crate's ${1}.
                        let rep = cached_regex(r"\\(\d)")
                            .map(|b| b.replace_all(&rep, "$${$1}").into_owned())
                            .unwrap_or(rep);
                        Value::Str(re.replace_all(&s, rep.as_str()).into_owned())
                    }
                    _ => Value::Null,
                }
            }
        }
    }
}

/// Whether every function `e` calls is one the subset evaluates.
fn check_functions(e: &Expr) -> Result<(), String> {
    match e {
        Expr::Call(f, args) => {
            let ok = matches!(
                (f.as_str(), args.len()),
                ("isnull", 1)
                    | ("isnotnull", 1)
                    | ("if", 3)
                    | ("lower", 1)
                    | ("upper", 1)
                    | ("len", 1)
                    | ("tostring", 1)
                    | ("tonumber", 1)
                    | ("round", 1 | 2)
                    | ("replace", 3)
                    | ("match", 2)
                    | ("like", 2)
                    | ("cidrmatch", 2)
                    | ("substr", 2 | 3)
                    | ("null", 0)
                    | ("mvcount", 1)
                    | ("mvindex", 2 | 3)
                    | ("mvjoin", 2)
                    | ("mvdedup", 1)
                    | ("mvsort", 1)
                    | ("split", 2)
                    | ("strftime", 2)
                    | ("strptime", 2)
                    | ("relative_time", 2)
                    | ("now", 0)
            ) || (f == "coalesce" && !args.is_empty())
                || (f == "mvappend" && !args.is_empty())
                || (f == "case" && !args.is_empty() && args.len() % 2 == 0);
            if !ok {
                return Err(format!(
                    "the function `{f}` with {} argument(s) is not replayed",
                    args.len()
                ));
            }
            args.iter().try_for_each(check_functions)
        }
        Expr::Bin(_, a, b) => {
            check_functions(a)?;
            check_functions(b)
        }
        Expr::Not(a) => check_functions(a),
        _ => Ok(()),
    }
}

fn eval(args: &str, rows: Vec<Row>) -> Result<Vec<Row>, String> {
    let assigns: Vec<(String, Expr)> = detc_spl::command::eval_assignments(args)
        .ok_or("eval needs name=expression")?
        .into_iter()
        .map(|(n, e)| compile(&e).map(|e| (n, e)))
        .collect::<Result<_, _>>()?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            for (n, e) in &assigns {
                r.put(n, e.eval(&r).values());
            }
            r
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_row as row;

    #[test]
    fn search_terms_follow_splunk() {
        let r = row(&[("a", "AssumedRole"), ("b", "x.amazonaws.com")]);
        let t = |s: &str| term_matches(&detc_spl::terms::parse_terms(s).unwrap(), &r);
        assert!(t("a=assumedrole"));
        assert!(t("a=Assumed* AND b IN (\"y\", \"*.amazonaws.com\")"));
        assert!(!t("NOT b IN (\"*.amazonaws.com\")"));
        assert!(t("NOT c=1"));
        assert!(!t("c!=1"));
        assert!(t("(a=x OR a=AssumedRole) b!=y"));
        let n = row(&[("n", "9"), ("s", "beta")]);
        let c = |x: &str| term_matches(&detc_spl::terms::parse_terms(x).unwrap(), &n);
        assert!(c("n>8") && c("n>=9") && c("n<10") && !c("n<9"));
        assert!(c("n > 10 OR n <= 9"), "spaces around the operator");
        assert!(!c("n>10"), "9 > 10 as numbers, not as text");
        assert!(c("s>alpha") && !c("s<alpha"), "text compares as text");
        assert!(!c("missing>0"));
    }

    /// A search over raw CloudTrail events, field names as Splunk's
    /// `KV_MODE = json` gives them.
    #[test]
    fn a_search_over_raw_json_events() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/cloudtrail/invictus-aws-dataset.jsonl.gz");
        let events: Vec<Row> = crate::json::read_events(&path)
            .unwrap()
            .iter()
            .map(|e| {
                let mut r = crate::json::fields(e);
                r.set("sourcetype", "aws:cloudtrail");
                r
            })
            .collect();
        let cx = Context {
            macros: &|n: &str, a: usize| {
                (n == "cloudtrail" && a == 0)
                    .then(|| (Vec::new(), "sourcetype=aws:cloudtrail".to_string()))
            },
            state_dir: std::env::temp_dir(),
            latest: 0,
            lookups: &|n: &str| Err(format!("no lookup `{n}`")),
        };
        let out = run(
            "`cloudtrail` eventName IN (GetBucketLogging, ListBuckets) NOT userIdentity.type=AssumedRole \
             | stats count by eventName userIdentity.arn",
            &events,
            &cx,
        )
        .unwrap();
        let expected: std::collections::BTreeMap<(String, String), usize> = {
            let mut m = std::collections::BTreeMap::new();
            for e in &events {
                let name = e.first("eventName").unwrap_or("");
                if matches!(name, "GetBucketLogging" | "ListBuckets")
                    && e.first("userIdentity.type") != Some("AssumedRole")
                    && let Some(arn) = e.first("userIdentity.arn")
                {
                    *m.entry((name.to_string(), arn.to_string())).or_default() += 1;
                }
            }
            m
        };
        assert!(!expected.is_empty());
        assert_eq!(out.len(), expected.len(), "{out:?}");
        for r in &out {
            let k = (
                r.first("eventName").unwrap().to_string(),
                r.first("userIdentity.arn").unwrap().to_string(),
            );
            assert_eq!(
                r.first("count"),
                Some(expected[&k].to_string().as_str()),
                "{k:?}"
            );
        }
        // A bare word searches the raw event.
        let words = run(
            "sourcetype=aws:cloudtrail benjamin GetBucketLogging",
            &events,
            &cx,
        )
        .unwrap();
        assert!(!words.is_empty());
        assert!(
            words
                .iter()
                .all(|r| r.first("_raw").unwrap().contains("benjamin"))
        );
    }

    #[test]
    fn averages_deviations_and_the_earliest_value() {
        let rows = [
            row(&[("_time", "30"), ("n", "2"), ("ip", "c")]),
            row(&[("_time", "10"), ("n", "4"), ("ip", "b")]),
            row(&[("_time", "20"), ("n", "9")]),
        ];
        let refs: Vec<&Row> = rows.iter().collect();
        let (aggs, _) =
            stats("avg(n) as a stdev(n) as s earliest(ip) as first latest(ip) as last").unwrap();
        let out = group(&refs, &aggs, &[]);
        assert_eq!(out[0].first("a"), Some("5"));
        assert_eq!(out[0].first("s").map(|x| &x[..6]), Some("3.6055"));
        assert_eq!(
            out[0].first("first"),
            Some("b"),
            "the value of the earliest event"
        );
        assert_eq!(out[0].first("last"), Some("c"));
    }

    /// The readers detc-spl shares with the output-field rules: a `*`
    /// anywhere in a rename, and text whose lower case is longer than
    /// itself (which once made byte offsets found in lowercased text slice
    /// the original in the middle of a character).
    #[test]
    fn shared_readers_wildcards_anywhere_and_unicode() {
        let rows = vec![row(&[("Proc.dest_x", "h1"), ("İİ", "1"), ("é", "a")])];
        let out = rename("Proc.*_x AS host_*", rows.clone()).unwrap();
        assert_eq!(out[0].first("host_dest"), Some("h1"));
        let out = select("fields", "- İİ Proc.*", rows.clone());
        assert_eq!(
            out[0].0.keys().collect::<Vec<_>>(),
            ["é"],
            "fields - removes"
        );
        let out = select("table", "é proc.*", rows.clone());
        assert_eq!(
            out[0].0.keys().collect::<Vec<_>>(),
            ["é"],
            "names are case-sensitive"
        );
        let (aggs, by) = stats("count(İİ) AS n BY é").unwrap();
        let refs: Vec<&Row> = rows.iter().collect();
        let g = group(&refs, &aggs, &by);
        assert_eq!(g[0].first("é"), Some("a"));
        let t = tstats("count(İİ) AS n FROM datamodel=Change WHERE é=a BY é", &rows).unwrap();
        assert_eq!(t[0].first("é"), Some("a"));
        assert!(
            stats("values(*) as *").is_err(),
            "wildcard aggregates are not replayed"
        );
    }

    #[test]
    fn streamstats_counts_as_the_rows_go() {
        let rows = vec![
            row(&[("user", "bob"), ("n", "1")]),
            row(&[("user", "bob"), ("n", "2")]),
            row(&[("user", "al"), ("n", "5")]),
            row(&[("user", "bob"), ("n", "3")]),
        ];
        let out = streamstats("count as c sum(n) as total by user", rows.clone()).unwrap();
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|r| (r.first("c").unwrap(), r.first("total").unwrap()))
            .collect();
        assert_eq!(got, [("1", "1"), ("2", "3"), ("1", "5"), ("3", "6")]);
        let out = streamstats("current=f window=1 max(n) as prev", rows.clone()).unwrap();
        assert_eq!(out[0].first("prev"), None, "nothing before the first row");
        assert_eq!(out[3].first("prev"), Some("5"));
        assert!(streamstats("reset_on_change=t count", rows).is_err());
    }

    #[test]
    fn eventstats_adds_each_groups_aggregates() {
        let rows = vec![
            row(&[("user", "bob"), ("n", "10")]),
            row(&[("user", "alice"), ("n", "9")]),
            row(&[("user", "bob"), ("n", "2")]),
            row(&[("n", "100")]),
        ];
        let (aggs, by) = stats("count as c max(n) as top by user").unwrap();
        let out = eventstats(rows, &aggs, &by);
        let got: Vec<(Option<&str>, Option<&str>)> =
            out.iter().map(|r| (r.first("c"), r.first("top"))).collect();
        assert_eq!(
            got,
            [
                (Some("2"), Some("10")),
                (Some("1"), Some("9")),
                (Some("2"), Some("10")),
                (None, None),
            ]
        );
        assert_eq!(out[3].first("n"), Some("100"), "kept, unchanged");
    }

    #[test]
    fn dedup_head_sort_and_fillnull() {
        let rows = vec![
            row(&[("user", "bob"), ("n", "10")]),
            row(&[("user", "alice"), ("n", "9")]),
            row(&[("user", "bob"), ("n", "2")]),
            row(&[("n", "100")]),
        ];
        let users = |rs: &[Row]| -> Vec<String> {
            rs.iter()
                .map(|r| r.first("user").unwrap_or("-").to_string())
                .collect()
        };
        // The first row of each user; the row without `user` is dropped.
        assert_eq!(
            users(&dedup("user", rows.clone()).unwrap()),
            ["bob", "alice"]
        );
        assert_eq!(
            users(&head_rows("2", rows.clone()).unwrap()),
            ["bob", "alice"]
        );
        assert_eq!(head_rows("", rows.clone()).unwrap().len(), 4);
        // Numbers sort as numbers (10 after 9), descending with `-`.
        let by_n = |a: &str| -> Vec<String> {
            sort(a, rows.clone())
                .unwrap()
                .iter()
                .map(|r| r.first("n").unwrap().to_string())
                .collect()
        };
        assert_eq!(by_n("n"), ["2", "9", "10", "100"]);
        assert_eq!(by_n("- n"), ["100", "10", "9", "2"]);
        assert_eq!(by_n("2 -n"), ["100", "10"]);
        // fillnull: the missing user becomes the value.
        let filled = fillnull("value=\"N/A\" user", rows.clone()).unwrap();
        assert_eq!(users(&filled), ["bob", "alice", "bob", "N/A"]);
        assert_eq!(users(&fillnull("", rows.clone()).unwrap())[3], "0");
        // Forms outside the subset are reported as such (detc test skips them).
        for (cmd, e) in [
            ("dedup", dedup("3 user", rows.clone()).unwrap_err()),
            ("sort", sort("num(n)", rows.clone()).unwrap_err()),
            ("head", head_rows("count>2", rows.clone()).unwrap_err()),
        ] {
            assert!(
                e.contains("is not in the replay's SPL subset"),
                "{cmd}: {e}"
            );
        }
    }

    #[test]
    fn eval_expressions() {
        let r = row(&[("first", "100"), ("last", "3700"), ("src", "10.1.2.3")]);
        let e = |s: &str| Expr::parse(s).unwrap().eval(&r);
        assert_eq!(e("last-first<=3600"), Value::Bool(true));
        assert_eq!(e("last - first > 3600 OR isnull(nope)"), Value::Bool(true));
        assert_eq!(e("nope=1"), Value::Bool(false));
        assert_eq!(
            e(r#"replace(src, "^(\d+\.\d+\.\d+)\.\d+$", "\1.0/24")"#),
            Value::Str("10.1.2.0/24".into())
        );
        let s = |x: &str| Value::Str(x.into());
        let r = row(&[
            ("t", "AssumedRole"),
            ("n", "alice"),
            ("{}x", "é-1"),
            ("ip", "10.1.2.3"),
        ]);
        let e = |x: &str| compile(x).unwrap().eval(&r);
        assert_eq!(
            e(r#"case(t="IAMUser", n, t="AssumedRole", "role")"#),
            s("role")
        );
        assert_eq!(
            e(r#"case(t="Root", "root")"#),
            Value::Null,
            "no condition holds"
        );
        assert_eq!(e(r#"coalesce(nope, null(), n, "x")"#), s("alice"));
        assert_eq!(e("upper('{}x')"), s("É-1"), "a quoted field name");
        assert_eq!(e("len('{}x')"), Value::Num(3.0), "characters, not bytes");
        assert_eq!(e("substr(n, 2, 3)"), s("lic"));
        assert_eq!(e("substr(n, -2)"), s("ce"));
        assert_eq!(e(r#"like(n, "a_i%")"#), Value::Bool(true));
        assert_eq!(e(r#"like(n, "A%")"#), Value::Bool(false), "case-sensitive");
        assert_eq!(e(r#"match(t, "^Assumed")"#), Value::Bool(true));
        assert_eq!(e(r#"cidrmatch("10.0.0.0/8", ip)"#), Value::Bool(true));
        assert_eq!(e(r#"cidrmatch("10.0.0.0/8", n)"#), Value::Bool(false));
        assert_eq!(e("tonumber(\"42\") + 1"), Value::Num(43.0));
        assert_eq!(e(r#"n.", ".t"#), s("alice, AssumedRole"));
        assert_eq!(e(r#"n . "-" . 1"#), s("alice-1"));
        assert_eq!(e(r#"nope."x""#), Value::Null, "null concatenated is null");
        assert!(compile("case(t)").is_err(), "case needs pairs");
        // Multivalues.
        let mut m = row(&[("one", "x"), ("csv", "a,b,c"), ("t", "1688990087")]);
        m.0.insert("many".into(), vec!["p".into(), "q".into(), "p".into()]);
        let e = |x: &str| compile(x).unwrap().eval(&m);
        let mv = |v: &[&str]| Value::Mv(v.iter().map(|x| x.to_string()).collect());
        assert_eq!(e("mvcount(many)"), Value::Num(3.0));
        assert_eq!(e("mvcount(nope)"), Value::Null);
        assert_eq!(e(r#"split(csv, ",")"#), mv(&["a", "b", "c"]));
        assert_eq!(e(r#"mvindex(split(csv, ","), -1)"#), s("c"));
        // A backslash escapes a backslash or a quote in an eval string, as
        // ESCU writes a Windows path's separator.
        let w = row(&[("p", r"C:\Windows\System32\cmd.exe")]);
        let ew = |x: &str| compile(x).unwrap().eval(&w);
        assert_eq!(ew(r#"mvindex(split(p, "\\"), -1)"#), s("cmd.exe"));
        assert_eq!(ew(r#"replace(p, "^.*\\\\", "")"#), s("cmd.exe"));
        assert_eq!(
            ew(r#"replace(p, "\\\\", "/") . "\"""#),
            s("C:/Windows/System32/cmd.exe\"")
        );
        assert_eq!(e(r#"mvindex(split(csv, ","), 0, 1)"#), mv(&["a", "b"]));
        assert_eq!(e(r#"mvindex(split(csv, ","), 5)"#), Value::Null);
        assert_eq!(e(r#"mvjoin(many, ";")"#), s("p;q;p"));
        assert_eq!(e("mvdedup(many)"), mv(&["p", "q"]));
        assert_eq!(e("mvappend(one, many)"), mv(&["x", "p", "q", "p"]));
        assert_eq!(e("many"), s("p"), "outside mv functions: the first value");
        // Times (UTC).
        assert_eq!(e(r#"strftime(t, "%Y-%m-%d %H:%M")"#), s("2023-07-10 11:54"));
        assert_eq!(
            e(r#"relative_time(t, "-1d@d")"#),
            Value::Num(1_688_860_800.0)
        );
        assert_eq!(
            e(r#"strptime("2023-07-10 11:54:47", "%Y-%m-%d %H:%M:%S")"#),
            Value::Num(1_688_990_087.0)
        );
        let eval_rows = super::eval(
            r#"parts=split(csv, ","), n=mvcount(parts)"#,
            vec![m.clone()],
        )
        .unwrap();
        assert_eq!(eval_rows[0].values("parts"), ["a", "b", "c"]);
        assert_eq!(eval_rows[0].first("n"), Some("3"));
        assert!(compile("mvzip(a, b)").is_err(), "outside the subset");
    }

    #[test]
    fn tstats_groups_and_aggregates() {
        let rows = vec![
            row(&[
                ("_time", "10"),
                ("All_Changes.user", "a"),
                ("All_Changes.command", "X"),
            ]),
            row(&[
                ("_time", "30"),
                ("All_Changes.user", "a"),
                ("All_Changes.command", "Y"),
            ]),
            row(&[("_time", "20"), ("All_Changes.command", "Z")]),
        ];
        let out = tstats(
            "summariesonly=t earliest(_time) as firstTime latest(_time) as lastTime values(All_Changes.command) as command dc(All_Changes.command) as n count from datamodel=Change where All_Changes.command IN (X, Y, Z) by All_Changes.user",
            &rows,
        )
        .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].first("firstTime"), Some("10"));
        assert_eq!(out[0].first("lastTime"), Some("30"));
        assert_eq!(out[0].values("command"), ["X", "Y"]);
        assert_eq!(out[0].first("n"), Some("2"));
        assert_eq!(out[0].first("count"), Some("2"));
        // ESCU's `security_content_summariesonly` sets fillnull_value: the
        // row without a user is kept, its user read as the value.
        let out = tstats(
            "summariesonly=false allow_old_summaries=true fillnull_value=null count from datamodel=Change by All_Changes.user",
            &rows,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].first("All_Changes.user"), Some("null"));
        assert_eq!(out[1].first("count"), Some("1"));
        // span=: _time in buckets of the span (from the epoch); the
        // aggregates still read each row's own time.
        let rows = vec![
            row(&[("_time", "7250"), ("All_Changes.user", "a")]),
            row(&[("_time", "7300"), ("All_Changes.user", "a")]),
            row(&[("_time", "3599"), ("All_Changes.user", "a")]),
            row(&[("_time", "7400"), ("All_Changes.user", "b")]),
        ];
        let out = tstats(
            "count min(_time) as firstTime from datamodel=Change by _time span=1h All_Changes.user",
            &rows,
        )
        .unwrap();
        let got: Vec<_> = out
            .iter()
            .map(|r| {
                [
                    r.first("_time").unwrap(),
                    r.first("All_Changes.user").unwrap(),
                    r.first("count").unwrap(),
                    r.first("firstTime").unwrap(),
                ]
            })
            .collect();
        assert_eq!(
            got,
            [
                ["0", "a", "1", "3599"],
                ["7200", "a", "2", "7250"],
                ["7200", "b", "1", "7400"]
            ]
        );
        assert_eq!(span_seconds("30s"), Some(30));
        assert_eq!(span_seconds("5min"), Some(300));
        assert_eq!(span_seconds("1d"), Some(86_400));
        assert_eq!(span_seconds("1mon"), None);
        assert_eq!(span_seconds("0h"), None);
        assert_eq!(span_seconds("h"), None);
        for bad in [
            "count from datamodel=Change by _time span=1mon",
            "count from datamodel=Change by All_Changes.user span=1h",
            "count from datamodel=Change by _time span=1h limit=3",
        ] {
            assert!(tstats(bad, &rows).is_err(), "{bad}");
        }
    }

    #[test]
    fn commands_outside_the_subset_are_errors() {
        let none = |_: &str, _: usize| None;
        let cx = Context {
            macros: &none,
            state_dir: PathBuf::from("."),
            latest: 0,
            lookups: &|n: &str| Err(format!("no lookup `{n}`")),
        };
        let e = run("| tstats count from datamodel=Change | join x", &[], &cx)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`join` is not in the replay's SPL subset"),
            "{e}"
        );
        let e = run("| inputlookup x | table x", &[], &cx)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("must start with `| tstats` or a search of events"),
            "{e}"
        );
        let e = run("index=main x> | table x", &[], &cx)
            .unwrap_err()
            .to_string();
        assert!(e.contains("a value is missing"), "{e}");
        let e = run("| tstats count from datamodel=Change | `nope`", &[], &cx).unwrap_err();
        assert!(matches!(e, RunError::Outside(_)));
        let e = e.to_string();
        assert!(e.contains("`nope` is not defined"), "{e}");
    }

    #[test]
    fn the_command_list_is_what_run_runs() {
        let cx_rows: Vec<Row> = Vec::new();
        let none = |_: &str, _: usize| None;
        let cx = Context {
            macros: &none,
            state_dir: std::env::temp_dir(),
            latest: 0,
            lookups: &|n: &str| Err(format!("no lookup `{n}`")),
        };
        let args = |c: &str| match c {
            "rename" => "x AS y",
            "where" | "search" => "x=1",
            "eval" => "y=1",
            "stats" | "streamstats" | "eventstats" => "count",
            "convert" => "ctime(x)",
            "rex" => r#"field=x "(?<y>.)""#,
            "regex" => r#"x="1""#,
            "bin" | "bucket" => "_time span=1h",
            "lookup" => "l x",
            "firstseen" => "key=x",
            "head" => "1",
            "fillnull" | "spath" => "",
            _ => "x",
        };
        for c in COMMANDS {
            let r = run(&format!("search x=1 | {c} {}", args(c)), &cx_rows, &cx);
            if let Err(e) = &r {
                assert!(
                    !e.to_string().contains("is not in the replay's SPL subset"),
                    "{c}: {e}"
                );
            }
        }
        for c in ["join", "append", "iplocation", "transaction", "inputlookup"] {
            let r = run(&format!("search x=1 | {c} y"), &cx_rows, &cx);
            assert!(
                r.is_err_and(|e| e.to_string().contains("is not in the replay's SPL subset")),
                "{c}"
            );
            assert_eq!(
                outside_subset(&format!("search x=1 | {c} y")).as_deref(),
                Some(c)
            );
        }
        assert_eq!(
            outside_subset("| inputlookup x | stats count").as_deref(),
            Some("inputlookup")
        );
        assert_eq!(
            outside_subset("| tstats count from datamodel=X | rename a as b"),
            None
        );
    }

    #[test]
    fn wildcards_without_regard_to_case() {
        for (p, v, want) in [
            ("stratus-red-team_*", "Stratus-Red-Team_abc", true),
            (
                "*:assumed-role/*/i-*",
                "arn:aws:sts::1:assumed-role/r/i-0abc",
                true,
            ),
            (
                "*:assumed-role/*/i-*",
                "arn:aws:sts::1:assumed-role/r/bob",
                false,
            ),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("*", "", true),
            ("abc", "ABC", true),
            ("abc", "abcd", false),
            ("É*", "élodie", true),
        ] {
            assert_eq!(glob_match(p, v), want, "{p} ~ {v}");
        }
    }

    #[test]
    fn cidr_blocks_and_quoted_utf8_in_search_terms() {
        let r = |ip: &str, name: &str| {
            let mut row = Row::new();
            row.set("ip", ip);
            row.set("name", name);
            row
        };
        let t = SearchTerms::parse("ip=192.168.0.0/16 NOT name=\"é*\"").unwrap();
        assert!(t.matches(&r("192.168.10.20", "bob")));
        assert!(!t.matches(&r("192.169.0.1", "bob")));
        assert!(
            !t.matches(&r("192.168.10.20", "Élodie")),
            "case-insensitive é*"
        );
        assert!(
            !t.matches(&r("ec2.amazonaws.com", "bob")),
            "a host name is not inside"
        );
        let v6 = SearchTerms::parse("ip=fd00::/8").unwrap();
        assert!(v6.matches(&r("fd12::1", "x")));
        assert!(!v6.matches(&r("10.0.0.1", "x")));
        assert!(
            SearchTerms::parse("ip=0.0.0.0/0")
                .unwrap()
                .matches(&r("8.8.8.8", "x"))
        );
        // Not a CIDR block (prefix too long): compared as text.
        assert!(
            SearchTerms::parse("ip=1.2.3.4/40")
                .unwrap()
                .matches(&r("1.2.3.4/40", "x"))
        );
    }
}
