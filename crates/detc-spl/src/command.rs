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
}
