//! The command's options, written in SPL as `name=value` (the same words in
//! `firstseen run`). Splunk passes them tokenised with quotes removed
//! (`searchinfo.args`).

use crate::OptionError;
use crate::reltime::RelTime;
use jiff::tz::TimeZone;
use rapidfuzz::distance::osa;

/// What the command returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Only rows whose key is new, annotated (default).
    New,
    /// Every row, annotated, with `isNew` 1 or 0.
    All,
}

/// Where the state is kept (`store=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// A CSV file in the app's `lookups/` folder (default): one search head.
    Csv,
    /// A KV store collection of the app, for search head clusters.
    KvStore,
}

/// Parsed options. Times are resolved later, against the search's
/// `latest_time` (or the current time).
#[derive(Debug, Clone)]
pub struct Options {
    /// State file name in the app's `lookups/`: `lookup=<name>` checked by
    /// [`lookup_file_name`], `.csv` added. `None` only in `firstseen run`,
    /// which takes `--state FILE`.
    pub lookup: Option<String>,
    /// Key fields, at least one.
    pub key: Vec<String>,
    /// Field with the (first) time of each row, epoch seconds. Default `_time`.
    pub time: String,
    /// Field with the last time of each row; default: `lastTime` when
    /// `time=firstTime` and the row has it, else the `time` field.
    pub last_time: Option<String>,
    /// A key is new when its first seen time is at or after this modifier. Default `-24h@h`.
    pub window: RelTime,
    /// Report nothing until the state's earliest key is at or before this modifier (ESCU's `enough_data`).
    pub min_history: Option<RelTime>,
    /// Drop keys last seen before this modifier when writing the state.
    pub retention: Option<RelTime>,
    /// What to return.
    pub output: Output,
    /// Write the state (default true); `update=false` only reads it.
    pub update: bool,
    /// Time zone for snapping days, weeks, months (default: `TZ`, else the system's, else UTC).
    pub tz: TimeZone,
    /// Where the state lives: `store=csv` (default) or `store=kvstore`, the
    /// collection named by `lookup=` (without `.csv`).
    pub store: Store,
    /// File name (checked, `.csv` added) of a lookup in any app (for example
    /// ESCU's `previously_seen_cloud_api_calls_per_user_role.csv`) to start
    /// from while the state does not exist.
    pub seed: Option<String>,
    /// `timeout=`: seconds that all of one run's calls to splunkd may take
    /// together (KV store reads, writes, lock waits, retries). Default 30.
    pub timeout: f64,
    /// `connect_timeout=`: seconds to wait for a connection to splunkd. Default 5.
    pub connect_timeout: f64,
    /// `read_timeout=`: seconds to wait for one answer of splunkd, body
    /// included. Default 20.
    pub read_timeout: f64,
}

/// Longest `timeout=`, `connect_timeout=` or `read_timeout=`, seconds: an
/// hour, far beyond any schedule's slot.
pub const MAX_TIMEOUT: f64 = 3600.0;

/// Every option name, for messages and "did you mean".
pub const NAMES: &[&str] = &[
    "lookup",
    "key",
    "time",
    "last_time",
    "window",
    "min_history",
    "retention",
    "output",
    "update",
    "tz",
    "seed",
    "store",
    "timeout",
    "connect_timeout",
    "read_timeout",
];

/// Checks a lookup or seed name: letters, digits, `_`, `-`, `.`; no path
/// separator, no `..`, not starting with `.`. Returns the file name (`.csv` added).
///
/// # Errors
/// A message saying which character or pattern is refused.
pub fn lookup_file_name(option: &str, name: &str) -> Result<String, OptionError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        return Err(format!(
            "{option}={name:?} is not a lookup name: use letters, digits, '_', '-' and '.', without a path \
             (no '/', '\\' or '..'); the file is kept in the app's lookups folder"
        )
        .into());
    }
    Ok(if name.ends_with(".csv") {
        name.to_string()
    } else {
        format!("{name}.csv")
    })
}

fn is_field_name(s: &str) -> bool {
    !s.is_empty() && !s.contains(|c: char| c == ',' || c == '=' || c.is_control())
}

impl Options {
    /// Parses `name=value` arguments. `lookup=` is required when `need_lookup`.
    ///
    /// # Errors
    /// One message for the first problem: an unknown option (with a
    /// suggestion), a repeated option, an argument without `=`, a bad value.
    pub fn parse<S: AsRef<str>>(args: &[S], need_lookup: bool) -> Result<Options, OptionError> {
        Options::parse_words(args, need_lookup).map_err(OptionError::from)
    }

    fn parse_words<S: AsRef<str>>(args: &[S], need_lookup: bool) -> Result<Options, String> {
        let mut o = Options {
            lookup: None,
            key: Vec::new(),
            time: "_time".to_string(),
            last_time: None,
            window: RelTime::parse("-24h@h").map_err(|e| e.0)?,
            min_history: None,
            retention: None,
            output: Output::New,
            update: true,
            tz: default_tz(),
            store: Store::Csv,
            seed: None,
            timeout: 30.0,
            connect_timeout: 5.0,
            read_timeout: 20.0,
        };
        let mut given: Vec<&str> = Vec::new();
        for arg in args {
            let arg = arg.as_ref();
            let Some((name, value)) = arg.split_once('=') else {
                return Err(format!(
                    "unexpected argument {arg:?}: firstseen takes name=value options ({}), e.g. key=user,command",
                    NAMES.join(", ")
                ));
            };
            let name = name.trim();
            let value = value.trim();
            let Some(&known) = NAMES.iter().find(|n| **n == name) else {
                let hint = suggest(name)
                    .map(|s| format!(" Did you mean {s}=?"))
                    .unwrap_or_default();
                return Err(format!(
                    "Unrecognized option: {arg}.{hint} Options: {}",
                    NAMES.join(", ")
                ));
            };
            if given.contains(&known) {
                return Err(format!("option {known}= is given twice"));
            }
            given.push(known);
            let empty = || format!("option {known}= needs a value");
            if value.is_empty() {
                return Err(empty());
            }
            match known {
                "lookup" => o.lookup = Some(lookup_file_name("lookup", value).map_err(|e| e.0)?),
                "seed" => o.seed = Some(lookup_file_name("seed", value).map_err(|e| e.0)?),
                "key" => {
                    for f in value.split(',').map(str::trim) {
                        if !is_field_name(f) {
                            return Err(format!("key={value:?} has an empty or invalid field name"));
                        }
                        if o.key.iter().any(|k| k == f) {
                            return Err(format!("key= names {f} twice"));
                        }
                        o.key.push(f.to_string());
                    }
                }
                "time" | "last_time" => {
                    if !is_field_name(value) {
                        return Err(format!("{known}={value:?} is not a field name"));
                    }
                    if known == "time" {
                        o.time = value.to_string();
                    } else {
                        o.last_time = Some(value.to_string());
                    }
                }
                "window" => o.window = RelTime::parse(value).map_err(|e| format!("window=: {e}"))?,
                "min_history" => {
                    o.min_history = Some(RelTime::parse(value).map_err(|e| format!("min_history=: {e}"))?)
                }
                "retention" => o.retention = Some(RelTime::parse(value).map_err(|e| format!("retention=: {e}"))?),
                "output" => {
                    o.output = match value {
                        "new" => Output::New,
                        "all" => Output::All,
                        _ => return Err(format!("output={value:?}: use output=new (only new keys) or output=all")),
                    }
                }
                "update" => {
                    o.update = match value.to_ascii_lowercase().as_str() {
                        "true" | "t" | "1" | "yes" => true,
                        "false" | "f" | "0" | "no" => false,
                        _ => return Err(format!("update={value:?}: use true or false")),
                    }
                }
                "store" => {
                    o.store = match value {
                        "csv" => Store::Csv,
                        "kvstore" => Store::KvStore,
                        _ => return Err(format!(
                            "store={value:?}: use store=csv (a lookup file on this search head) or store=kvstore \
                             (a KV store collection, shared by a search head cluster)"
                        )),
                    }
                }
                "timeout" | "connect_timeout" | "read_timeout" => {
                    let secs = value
                        .strip_suffix('s')
                        .unwrap_or(value)
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|t| t.is_finite() && *t > 0.0 && *t <= MAX_TIMEOUT)
                        .ok_or_else(|| {
                            format!(
                                "{known}={value:?}: give seconds, more than 0 and at most {MAX_TIMEOUT}, e.g. {known}=30"
                            )
                        })?;
                    match known {
                        "timeout" => o.timeout = secs,
                        "connect_timeout" => o.connect_timeout = secs,
                        _ => o.read_timeout = secs,
                    }
                }
                "tz" => {
                    o.tz = TimeZone::get(value)
                        .map_err(|_| format!("tz={value:?} is not a known time zone; use an IANA name such as UTC or Europe/Paris"))?
                }
                _ => {}
            }
        }
        if o.key.is_empty() {
            return Err(
                "missing key=: name the field or fields that make a key, e.g. key=user,command"
                    .to_string(),
            );
        }
        if need_lookup && o.lookup.is_none() {
            return Err(
                "missing lookup=: name the state lookup, e.g. lookup=cloud_api_calls_per_user_role"
                    .to_string(),
            );
        }
        if o.store == Store::KvStore && o.seed.is_some() {
            return Err(
                "seed= works with store=csv only; move a CSV state into the KV store as docs/firstseen.md says"
                    .to_string(),
            );
        }
        Ok(o)
    }

    /// The collection name for `store=kvstore`: `lookup=` without `.csv`.
    pub fn collection(&self) -> Option<&str> {
        self.lookup
            .as_deref()
            .map(|l| l.strip_suffix(".csv").unwrap_or(l))
    }
}

fn default_tz() -> TimeZone {
    match std::env::var("TZ") {
        Ok(name) if !name.is_empty() => {
            TimeZone::get(name.trim_start_matches(':')).unwrap_or(TimeZone::UTC)
        }
        _ => TimeZone::try_system().unwrap_or(TimeZone::UTC),
    }
}

fn suggest(name: &str) -> Option<&'static str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace(['_', '-'], "");
    let n = norm(name);
    NAMES
        .iter()
        .copied()
        .map(|cand| (osa::distance(n.chars(), norm(cand).chars()), cand))
        .filter(|&(d, cand)| d <= 2.min(cand.len() / 2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, cand)| cand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_parses() {
        let o = Options::parse(
            &[
                "lookup=cloud_api_calls_per_user_role",
                "key=user,command",
                "time=firstTime",
                "window=-24h@h",
            ],
            true,
        )
        .unwrap();
        assert_eq!(o.key, ["user", "command"]);
        assert_eq!(o.time, "firstTime");
        assert_eq!(o.output, Output::New);
        assert!(o.update);
    }

    #[test]
    fn mistakes_get_clear_messages() {
        for (args, want) in [
            (
                vec!["key=user", "lookup=a", "bogus=1"],
                "Unrecognized option: bogus=1",
            ),
            (vec!["key=user", "lookup=a", "keys=x"], "Did you mean key=?"),
            (
                vec!["key=user", "lookup=a", "minhistory=-7d"],
                "Did you mean min_history=?",
            ),
            (
                vec!["key=user", "lookup=../../etc/passwd"],
                "not a lookup name",
            ),
            (vec!["key=user", "lookup=a/b"], "not a lookup name"),
            (vec!["key=user", "lookup=.hidden"], "not a lookup name"),
            (vec!["lookup=a"], "missing key="),
            (vec!["key=user"], "missing lookup="),
            (
                vec!["key=user", "lookup=a", "user"],
                "unexpected argument \"user\"",
            ),
            (vec!["key=user,,x", "lookup=a"], "invalid field name"),
            (vec!["key=user", "key=x", "lookup=a"], "given twice"),
            (
                vec!["key=user", "lookup=a", "window=yesterday"],
                "window=: invalid time modifier",
            ),
            (vec!["key=user", "lookup=a", "output=some"], "output=new"),
            (
                vec!["key=user", "lookup=a", "tz=Mars/Olympus"],
                "not a known time zone",
            ),
            (
                vec!["key=user", "lookup=a", "update=maybe"],
                "true or false",
            ),
            (vec!["key=", "lookup=a"], "needs a value"),
            (vec!["key=user", "lookup=a", "store=mongo"], "store=kvstore"),
            (
                vec!["key=user", "lookup=a", "store=kvstore", "seed=old"],
                "seed= works with store=csv only",
            ),
        ] {
            let e = Options::parse(&args, true).unwrap_err();
            assert!(e.message().contains(want), "{args:?}: {e}");
        }
    }

    #[test]
    fn store_kvstore_names_a_collection() {
        let o = Options::parse(&["key=user", "lookup=seen_users", "store=kvstore"], true).unwrap();
        assert_eq!(o.store, Store::KvStore);
        assert_eq!(o.collection(), Some("seen_users"));
        let o = Options::parse(&["key=user", "lookup=seen_users"], true).unwrap();
        assert_eq!(o.store, Store::Csv, "the file store stays the default");
    }

    #[test]
    fn lookup_names_become_csv_files() {
        assert_eq!(
            lookup_file_name("lookup", "seen_users").unwrap(),
            "seen_users.csv"
        );
        assert_eq!(lookup_file_name("lookup", "seen.csv").unwrap(), "seen.csv");
    }
}
