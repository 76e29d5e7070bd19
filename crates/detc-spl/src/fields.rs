//! Inference of the fields a search outputs.

use crate::command::{
    Aggregation, Aggregations, FieldSelection, aggregations, bin_call, convert_call,
    eval_assignments, field_selection, fillnull_call, glob, is_option, lookup_call, matches_field,
    renamed, renames, rex_call, spath_call, unquote,
};
use crate::lex::{Command, Token, split_args, split_pipeline};
use std::collections::BTreeSet;

/// What is known of a search's output fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fields {
    /// Exactly these fields (after `table`, `stats ... by`, `fields`...).
    Known(BTreeSet<String>),
    /// These fields for sure, and maybe others that cannot be known
    /// statically (raw events, `join`, a macro with no definition...).
    AtLeast(BTreeSet<String>),
}

impl Fields {
    fn unknown() -> Self {
        Fields::AtLeast(BTreeSet::new())
    }

    /// The fields known to be there.
    pub fn names(&self) -> &BTreeSet<String> {
        match self {
            Fields::Known(s) | Fields::AtLeast(s) => s,
        }
    }

    /// Whether the set is exact.
    pub fn is_known(&self) -> bool {
        matches!(self, Fields::Known(_))
    }

    /// `Some(true)` if `field` is output, `Some(false)` if it is known not
    /// to be, `None` when that cannot be known.
    pub fn contains(&self, field: &str) -> Option<bool> {
        match self {
            Fields::Known(s) => Some(s.contains(field)),
            Fields::AtLeast(s) => s.contains(field).then_some(true),
        }
    }

    fn set_mut(&mut self) -> &mut BTreeSet<String> {
        match self {
            Fields::Known(s) | Fields::AtLeast(s) => s,
        }
    }

    fn add(&mut self, f: impl Into<String>) {
        let f = f.into();
        if !f.is_empty() {
            self.set_mut().insert(f);
        }
    }

    fn loosen(self) -> Self {
        match self {
            Fields::Known(s) | Fields::AtLeast(s) => Fields::AtLeast(s),
        }
    }
}

/// What the analysis may ask of the content around a search.
pub trait Resolver {
    /// The definition of macro `name` with `arity` arguments: its argument
    /// names and its text, as in macros.conf.
    fn macro_definition(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)>;
    /// The columns of lookup `name`, when known (a csv header, a KV store
    /// collection's fields).
    fn lookup_fields(&self, name: &str) -> Option<Vec<String>>;
}

const MAX_MACRO_DEPTH: usize = 16;

/// Infers the fields `search` outputs. `resolver` supplies macro
/// definitions and lookup columns. Never guesses: anything it cannot
/// follow turns the answer into [`Fields::AtLeast`].
pub fn output_fields(search: &str, resolver: &dyn Resolver) -> Fields {
    run(search, Fields::unknown(), resolver, 0)
}

fn run(search: &str, mut f: Fields, r: &dyn Resolver, depth: usize) -> Fields {
    for cmd in split_pipeline(search) {
        f = apply(&cmd, f, r, depth);
    }
    f
}

fn is_kw(t: &Token, kw: &str) -> bool {
    t.text.eq_ignore_ascii_case(kw)
}

/// What an aggregation outputs.
trait Outputs {
    fn outputs(&self, input: &Fields, out: &mut BTreeSet<String>) -> bool;
}

impl Outputs for Aggregation {
    /// The fields the aggregation outputs, given the input fields `input`.
    /// A call over a wildcard (`values(*) as *`, `latest(Proc.*) as
    /// last_*`) outputs one field per matching input field, the `*` of the
    /// name replaced by what the argument's `*` matched (Search Reference,
    /// stats: "Usage: wildcards in field names"). Returns whether the
    /// result is exact (false when the input is not known exactly or the
    /// pattern is not one this analysis follows).
    fn outputs(&self, input: &Fields, out: &mut BTreeSet<String>) -> bool {
        let arg = self
            .call
            .split_once('(')
            .and_then(|(_, a)| a.strip_suffix(')'))
            .map(unquote);
        let Some(pat) = arg.filter(|a| a.contains('*')) else {
            out.insert(self.name.clone());
            return true;
        };
        if pat.matches('*').count() > 1 || self.name.matches('*').count() > 1 {
            return false;
        }
        for f in input.names() {
            if let Some(m) = glob(pat, f) {
                out.insert(if self.name.contains('*') {
                    self.name.replacen('*', m, 1)
                } else {
                    self.call.replacen(pat, f, 1)
                });
            }
        }
        input.is_known()
    }
}

fn apply(cmd: &Command, f: Fields, r: &dyn Resolver, depth: usize) -> Fields {
    let toks = split_args(cmd.args);
    match cmd.name.as_str() {
        _ if cmd.is_macro() => apply_macro(cmd, f, r, depth),
        // Filtering and ordering commands keep the fields as they are.
        "search" if cmd.start == 0 && !cmd.text.starts_with('|') => f, // the base search
        "search" | "where" | "sort" | "head" | "tail" | "dedup" | "regex" | "reverse" | "uniq"
        | "makemv" | "mvexpand" | "mvcombine" | "nomv" | "collect" | "outputlookup"
        | "sendalert" | "sendemail" | "noop" | "localop" | "fieldformat" | "convert" | "bin"
        | "bucket" | "fillnull" | "rex" | "iplocation" | "strcat" | "addinfo" | "transaction" => {
            adds(cmd.name.as_str(), cmd.args, &toks, f)
        }
        "table" | "fields" => select(cmd.name.as_str(), cmd.args, f),
        "rename" => rename(cmd.args, f),
        "eval" => {
            let mut f = f;
            for (_, part) in crate::split_commas(cmd.args) {
                // Each `name=expression` (eval_assignments reads them all
                // or none; a part without `=` adds nothing here).
                if let Some((name, _)) = eval_assignments(part).and_then(|a| a.into_iter().next())
                    && !name.is_empty()
                    && !name.contains(char::is_whitespace)
                {
                    f.add(name);
                }
            }
            f
        }
        "stats" | "tstats" => {
            if toks.iter().any(|t| {
                t.text.eq_ignore_ascii_case("prestats=t")
                    || t.text.eq_ignore_ascii_case("prestats=true")
            }) {
                return Fields::unknown();
            }
            match aggregations(cmd.args) {
                Some(Aggregations { aggs, by }) => {
                    let mut out: BTreeSet<String> = by.into_iter().collect();
                    let mut exact = true;
                    for a in &aggs {
                        exact &= a.outputs(&f, &mut out);
                    }
                    out.remove("");
                    // A wildcard aggregation over fields not known exactly
                    // outputs the known ones and maybe others.
                    if exact {
                        Fields::Known(out)
                    } else {
                        Fields::AtLeast(out)
                    }
                }
                None => Fields::unknown(),
            }
        }
        "eventstats" | "streamstats" => match aggregations(cmd.args) {
            Some(Aggregations { aggs, .. }) => {
                let mut out = BTreeSet::new();
                let mut exact = true;
                for a in &aggs {
                    exact &= a.outputs(&f, &mut out);
                }
                let mut f = if exact { f } else { f.loosen() };
                for a in out {
                    f.add(a);
                }
                f
            }
            None => f.loosen(),
        },
        "top" | "rare" => {
            let mut count = "count".to_string();
            let mut percent = Some("percent".to_string());
            let mut out = BTreeSet::new();
            for t in &toks {
                match t.text.split_once('=') {
                    Some((k, v)) if k.eq_ignore_ascii_case("countfield") => {
                        count = unquote(v).to_string()
                    }
                    Some((k, v)) if k.eq_ignore_ascii_case("percentfield") => {
                        percent = Some(unquote(v).to_string())
                    }
                    Some((k, v))
                        if k.eq_ignore_ascii_case("showperc")
                            && matches!(v, "f" | "false" | "0") =>
                    {
                        percent = None
                    }
                    Some(_) => {}
                    None if is_kw(t, "by") => {}
                    None => {
                        out.insert(unquote(t.text).to_string());
                    }
                }
            }
            out.insert(count);
            out.extend(percent);
            Fields::Known(out)
        }
        "lookup" => lookup(cmd.args, f, r),
        "inputlookup" => {
            let append = toks.iter().any(|t| {
                t.text.eq_ignore_ascii_case("append=t")
                    || t.text.eq_ignore_ascii_case("append=true")
            });
            let name = toks.iter().find(|t| !is_option(t)).map(|t| unquote(t.text));
            let cols = name.and_then(|n| r.lookup_fields(n));
            match (append, cols) {
                (false, Some(c)) => Fields::Known(c.into_iter().collect()),
                (true, Some(c)) => {
                    let mut f = f.loosen();
                    c.into_iter().for_each(|x| f.add(x));
                    f
                }
                _ => Fields::unknown(),
            }
        }
        // detc's own search command (crates/firstseen): keeps every row's
        // fields and adds the key's merged times and whether it is new.
        "firstseen" => {
            let mut f = f;
            for n in ["firstTimeSeen", "lastTimeSeen", "isNew"] {
                f.add(n);
            }
            f
        }
        "makeresults" => Fields::Known(["_time".to_string()].into_iter().collect()),
        "spath" => {
            let mut f = f;
            match spath_call(cmd.args).and_then(|c| c.output) {
                Some(o) => {
                    f.add(o);
                    f
                }
                None => f.loosen(),
            }
        }
        // join, append, appendpipe, union, chart, timechart, xyseries, from, datamodel, rest, ...: not followed.
        _ => f.loosen(),
    }
}

/// Commands that keep every field and may add some.
fn adds(name: &str, args: &str, toks: &[Token], mut f: Fields) -> Fields {
    match name {
        "convert" => {
            if let Some((_, conversions)) = convert_call(args) {
                for (_, field, name) in conversions {
                    if name != field {
                        f.add(name);
                    }
                }
            }
        }
        "bin" | "bucket" => {
            if let Some(name) = bin_call(args).and_then(|b| b.as_name) {
                f.add(name);
            }
        }
        "fillnull" => {
            for field in fillnull_call(args).1 {
                f.add(field);
            }
        }
        "rex" => {
            if let Some(r) = rex_call(args).filter(|r| !r.sed) {
                for g in r.groups() {
                    f.add(g);
                }
            }
        }
        "iplocation" => {
            let prefix = toks
                .iter()
                .find_map(|t| {
                    t.text
                        .split_once('=')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("prefix"))
                        .map(|(_, v)| unquote(v))
                })
                .unwrap_or("");
            for x in ["City", "Country", "Region", "lat", "lon"] {
                f.add(format!("{prefix}{x}"));
            }
        }
        "strcat" => {
            if let Some(t) = toks.iter().rfind(|t| !is_option(t)) {
                f.add(unquote(t.text));
            }
        }
        "addinfo" => {
            for x in [
                "info_min_time",
                "info_max_time",
                "info_search_time",
                "info_sid",
            ] {
                f.add(x);
            }
        }
        "transaction" => {
            for x in [
                "duration",
                "eventcount",
                "closed_txn",
                "field_match_sum",
                "linecount",
            ] {
                f.add(x);
            }
        }
        _ => {}
    }
    f
}

/// `table a b*` and `fields [+|-] a b*`.
fn select(name: &str, args: &str, f: Fields) -> Fields {
    let FieldSelection { remove, patterns } = field_selection(name, args);
    let pats: Vec<&str> = patterns.iter().map(String::as_str).collect();
    if remove {
        return match f {
            Fields::Known(s) => Fields::Known(
                s.into_iter()
                    .filter(|n| !pats.iter().any(|p| matches_field(p, n)))
                    .collect(),
            ),
            Fields::AtLeast(s) => Fields::AtLeast(
                s.into_iter()
                    .filter(|n| !pats.iter().any(|p| matches_field(p, n)))
                    .collect(),
            ),
        };
    }
    let wild = pats.iter().any(|p| p.contains('*'));
    let literal: BTreeSet<String> = pats
        .iter()
        .filter(|p| !p.contains('*'))
        .map(|p| p.to_string())
        .collect();
    match f {
        Fields::Known(s) => {
            let mut out = literal;
            // A named field that does not exist yet is still a column (empty) in Splunk's table.
            out.extend(
                s.into_iter()
                    .filter(|n| pats.iter().any(|p| p.contains('*') && matches_field(p, n))),
            );
            Fields::Known(out)
        }
        Fields::AtLeast(_) if wild => Fields::AtLeast(literal),
        Fields::AtLeast(_) => Fields::Known(literal),
    }
}

/// `rename a as b, x.* as *`.
fn rename(args: &str, f: Fields) -> Fields {
    match renames(args) {
        Some(pairs) => pairs
            .iter()
            .fold(f, |f, (from, to)| rename_one(f, from, to)),
        None => f.loosen(),
    }
}

fn rename_one(f: Fields, from: &str, to: &str) -> Fields {
    let map = |s: BTreeSet<String>| -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for n in s {
            match renamed(&n, from, to) {
                Some(x) => {
                    out.insert(x);
                }
                // A wildcard rename this analysis does not follow.
                None if glob(from, &n).is_some() => return None,
                None => {
                    out.insert(n);
                }
            }
        }
        Some(out)
    };
    match f {
        Fields::Known(s) => map(s).map(Fields::Known).unwrap_or_else(Fields::unknown),
        Fields::AtLeast(s) => {
            let mut out = map(s).unwrap_or_default();
            if !from.contains('*') {
                // The source may exist among the unknown fields: the target may then exist too, but is not certain.
                out.remove(to);
            }
            Fields::AtLeast(out)
        }
    }
}

/// `lookup` ([`crate::command::lookup_call`]): its output fields, or
/// every column of the lookup but the match fields when it has no OUTPUT.
fn lookup(args: &str, f: Fields, r: &dyn Resolver) -> Fields {
    let mut f = f;
    let Some(call) = lookup_call(args) else {
        return f.loosen();
    };
    match call.outputs {
        Some(outs) => {
            for (_, event) in outs {
                f.add(event);
            }
            f
        }
        None => {
            let inputs: BTreeSet<&str> = call.matches.iter().map(|(l, _)| l.as_str()).collect();
            match r.lookup_fields(&call.table) {
                Some(cols) => {
                    for c in cols
                        .iter()
                        .filter(|c| !inputs.contains(c.as_str()) && c.as_str() != "_key")
                    {
                        f.add(c.as_str());
                    }
                    f
                }
                None => f.loosen(),
            }
        }
    }
}

/// A macro in command position: `drop_dm_object_name(X)` strips `X.` from
/// field names (Splunk_SA_CIM defines it as `rename X.* as *`); other
/// macros are expanded from their definitions.
fn apply_macro(cmd: &Command, f: Fields, r: &dyn Resolver, depth: usize) -> Fields {
    let Some(m) = crate::macros(cmd.text).into_iter().next() else {
        return f.loosen();
    };
    if m.name == "drop_dm_object_name" && m.args.len() == 1 {
        let prefix = unquote(&m.args[0]).to_string();
        return rename_one(f, &format!("{prefix}.*"), "*");
    }
    if depth >= MAX_MACRO_DEPTH {
        return f.loosen();
    }
    let Some((names, def)) = r.macro_definition(&m.name, m.args.len()) else {
        return f.loosen();
    };
    let text = crate::substitute(&def, &names, &m);
    // A definition is a pipeline fragment: `search *`, `convert ...`, `rename ...`.
    run(&format!("| {text}"), f, r, depth + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R;
    impl Resolver for R {
        fn macro_definition(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)> {
            match (name, arity) {
                ("security_content_ctime", 1) => Some((
                    vec!["field".into()],
                    "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)".into(),
                )),
                ("x_filter", 0) => Some((vec![], "search *".into())),
                ("keep_user", 0) => Some((vec![], "table user".into())),
                _ => None,
            }
        }
        fn lookup_fields(&self, name: &str) -> Option<Vec<String>> {
            (name == "seen").then(|| {
                vec![
                    "_key".into(),
                    "user".into(),
                    "firstTimeSeen".into(),
                    "enough_data".into(),
                ]
            })
        }
    }

    fn known(f: &Fields) -> Vec<&str> {
        assert!(f.is_known(), "{f:?}");
        f.names().iter().map(String::as_str).collect()
    }

    #[test]
    fn seed_detection_outputs_only_its_table() {
        let s = r#"| tstats earliest(_time) as firstTime, latest(_time) as lastTime FROM datamodel=Change
WHERE All_Changes.user_type=AssumedRole
AND
All_Changes.status=success
BY All_Changes.user, All_Changes.command All_Changes.object
| `drop_dm_object_name("All_Changes")`
| lookup previously_seen_cloud_api_calls_per_user_role user as user, command as command OUTPUT firstTimeSeen, enough_data
| eventstats max(enough_data) as enough_data
| where enough_data=1
| eval firstTimeSeenUserApiCall=min(firstTimeSeen)
| where isnull(firstTimeSeenUserApiCall) OR firstTimeSeenUserApiCall > relative_time(now(),"-24h@h")
| table firstTime, user, object, command
| `security_content_ctime(firstTime)`
| `security_content_ctime(lastTime)`
| `x_filter`"#;
        let f = output_fields(s, &R);
        assert_eq!(known(&f), ["command", "firstTime", "object", "user"]);
        assert_eq!(f.contains("dest"), Some(false));
    }

    #[test]
    fn tstats_by_with_drop_dm_object_name() {
        let s = "| tstats `security_content_summariesonly` count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.parent_process_name IN (\"rundll32.exe\") by Processes.dest Processes.user | `drop_dm_object_name(Processes)` | `security_content_ctime(firstTime)` | `x_filter`";
        assert_eq!(
            known(&output_fields(s, &R)),
            ["count", "dest", "firstTime", "lastTime", "user"]
        );
    }

    #[test]
    fn raw_search_is_unknown_until_a_transforming_command() {
        let f = output_fields("index=main sourcetype=x | eval y=1", &R);
        assert!(!f.is_known());
        assert_eq!(f.contains("y"), Some(true));
        assert_eq!(f.contains("anything"), None);
        let f = output_fields(
            "index=main | stats count values(src) as src by user | rename user as account",
            &R,
        );
        assert_eq!(known(&f), ["account", "count", "src"]);
    }

    #[test]
    fn lookup_without_output_adds_its_columns() {
        let f = output_fields("| stats count by user | lookup seen user", &R);
        assert_eq!(known(&f), ["count", "enough_data", "firstTimeSeen", "user"]);
        let f = output_fields("| stats count by user | lookup unknown_lookup user", &R);
        assert!(!f.is_known());
    }

    #[test]
    fn macros_expand_and_unknown_macros_loosen() {
        assert_eq!(
            known(&output_fields(
                "| stats count by user, src | `keep_user`",
                &R
            )),
            ["user"]
        );
        assert!(!output_fields("| stats count by user | `undefined_macro`", &R).is_known());
    }

    #[test]
    fn join_and_append_are_not_followed() {
        assert!(
            !output_fields("| stats count by user | join user [search index=x]", &R).is_known()
        );
    }

    #[test]
    fn fields_minus_and_wildcards() {
        let f = output_fields("| stats count dc(x) as n by user, src | fields - src", &R);
        assert_eq!(known(&f), ["count", "n", "user"]);
        let f = output_fields(
            "| stats count by All_Changes.user, All_Changes.src | rename All_Changes.* as *",
            &R,
        );
        assert_eq!(known(&f), ["count", "src", "user"]);
        let f = output_fields("| stats count by user_name, src | table user*", &R);
        assert_eq!(known(&f), ["user_name"]);
    }

    #[test]
    fn wildcard_aggregations_pass_earlier_fields_through() {
        // o365_dlp_rule_triggered: `stats values(*) as * by ...` after known fields.
        let f = output_fields(
            "| stats count by user, src, signature | stats values(*) as * by user",
            &R,
        );
        assert_eq!(known(&f), ["count", "signature", "src", "user"]);
        // Over raw events the fields are not known: never a field named `*`.
        let f = output_fields("index=o365 | stats latest(*) as * by dest", &R);
        assert!(!f.is_known());
        assert_eq!(f.contains("dest"), Some(true));
        assert_eq!(f.contains("src"), None);
        assert_eq!(f.contains("*"), None);
        // A prefix pattern and a templated name.
        let f = output_fields(
            "| stats count by P.a, P.b, q | stats latest(P.*) as last_* values(q) by q",
            &R,
        );
        assert_eq!(known(&f), ["last_a", "last_b", "q", "values(q)"]);
        // Without `as`, each field keeps the call's shape.
        let f = output_fields("| stats count by a, b | stats values(*) by a", &R);
        assert_eq!(known(&f), ["a", "values(a)", "values(b)", "values(count)"]);
        // eventstats adds the mapped names to what is there.
        let f = output_fields("| stats count by a, b | eventstats max(*) as max_*", &R);
        assert_eq!(
            known(&f),
            ["a", "b", "count", "max_a", "max_b", "max_count"]
        );
    }
}
