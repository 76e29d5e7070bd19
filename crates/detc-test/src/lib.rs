//! `detc test`: each detection's `tests:` run offline, on its attack data,
//! with detc's SPL interpreter (`detc-replay`) and the real firstseen
//! engine.
//!
//! A test keeps contentctl's meaning: it passes when the search returns at
//! least one result on the attack data of all its `attack_data` entries.
//! detc extensions say more (docs/testing.md): `expect: none` (benign
//! data: no result), `count` (exactly that many results), `rows` (results
//! that must come out, matched on the fields they list), and `timeline`:
//! runs in order sharing one firstseen state, each picking its events
//! (`events`), moving them in time (`shift`), with its latest time
//! (`latest`), optionally after losing the state (`reset_state`), and with
//! its own expectation. A timeline's runs are reported one by one.
//!
//! What runs today, and what is skipped with its reason:
//!
//! - Attack data is a file of the content (a path relative to the content
//!   root), or a URL: read from a local mirror of splunk/attack_data, or
//!   downloaded once into a cache ([`attack_data`]); a URL that cannot be
//!   had here skips the test with the reason, a broken download fails it.
//! - Events are JSON (a list, `{"Records": [...]}`, or JSON lines,
//!   optionally gzip) of a sourcetype the content defines in
//!   `sourcetypes/` (a detc extension: its `time` field gives `_time`); a
//!   sourcetype without a definition is skipped. A search that starts with
//!   `| tstats ... from datamodel=<name>` gets the data model rows the
//!   definition's mapping gives (`detc_replay::mapping`); any other search
//!   gets the events' fields as Splunk's `KV_MODE = json` names them
//!   (`detc_replay::json`), with `sourcetype` and `source` from the test.
//! - A search with a command outside the interpreter's subset
//!   (`detc_replay::spl`) is skipped, naming the command and the file:line
//!   of the search.
//! - A firstseen search with `min_history=` and no timeline is skipped: it
//!   reports nothing until its state holds that much history.
//!
//! Without `latest`, a run's latest time is one second after its last
//! event.

pub mod attack_data;
mod builtin;

use attack_data::{Resolved, Sources};
use detc_content::Project;
use detc_content::model::Sourcetype;
use detc_content::model::{
    Detection, DetectionTest, Expectation, ExpectedRow, TimelineRun, time_offset,
};
use detc_replay::mapping::{CalculatedFields, Mapping, MappingError};
use detc_replay::{Row, json, spl};

/// How one test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The search returned this many results.
    Passed(usize),
    /// Why it failed: no result, unreadable attack data, a search error.
    Failed(String),
    /// Why it was not run (a URL, an unsupported sourcetype or command).
    Skipped(String),
}

/// One test's result.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The detection's name.
    pub detection: String,
    /// Its YAML file, relative to the content root.
    pub file: String,
    /// The test's `name`.
    pub test: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Wall time, seconds.
    pub seconds: f64,
    /// What detc test lacks to run it, when that is why it was skipped.
    pub gap: Option<Gap>,
}

/// What detc test lacks to run a test: for the report of what is not
/// supported yet, counted over the content.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// No definition (the content's or detc's) of the attack data's
    /// sourcetype.
    Sourcetype(String),
    /// A command of the search outside the replay's subset.
    Command(String),
}

/// What `t` of `d` needs that detc test lacks: the first sourcetype
/// without a definition, else the first command outside the subset (the
/// checks [`run_test`] makes, in its order).
fn gap_of(p: &Project, d: &Detection, t: &DetectionTest, defs: spl::Macros) -> Option<Gap> {
    for a in &t.attack_data {
        let st = a.sourcetype.as_ref().map_or("", |s| s.value.as_str());
        if sourcetypes(p, st).is_none() {
            return Some(Gap::Sourcetype(st.to_string()));
        }
    }
    let expanded = spl::expand_macros(&d.search.as_ref()?.value, defs).ok()?;
    spl::outside_subset(&expanded).map(Gap::Command)
}

/// Runs the tests of every detection of `p` (or only of those named in
/// `only`, matched case-insensitively), in the order of the content, their
/// attack data found by `sources`. A test with a `timeline` gives one
/// result per run, named `<test> > <run>`.
pub fn run(p: &Project, only: &[String], sources: &Sources) -> Vec<TestResult> {
    let macros = detc_content::rules::MacroIndex::new(&p.content);
    let defs = |n: &str, a: usize| macros.definition(n, a).or_else(|| splunk_macro(n, a));
    let mut out = Vec::new();
    let mut cache = Cache::new();
    for d in &p.content.detections {
        let name = d.common.name();
        if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            continue;
        }
        for t in &d.tests {
            let test = t.name.as_ref().map_or("test", |n| n.value.as_str());
            let gap = gap_of(p, d, t, &defs);
            for (run, outcome, seconds) in run_test(p, d, t, &defs, &mut cache, sources) {
                let gap = gap
                    .clone()
                    .filter(|_| matches!(outcome, Outcome::Skipped(_)));
                out.push(TestResult {
                    detection: name.to_string(),
                    file: d.common.path.clone(),
                    test: match run {
                        Some(r) => format!("{test} > {r}"),
                        None => test.to_string(),
                    },
                    outcome,
                    seconds,
                    gap,
                });
            }
        }
    }
    out
}

/// A macro that Splunk's apps define, not the content, which ESCU's searches
/// call: `drop_dm_object_name(object)` of the Splunk Common Information
/// Model add-on (Splunk_SA_CIM's macros.conf: `rename $object$.* AS *`).
/// Used only when the content does not define the macro itself.
fn splunk_macro(name: &str, arity: usize) -> Option<(Vec<String>, String)> {
    (name == "drop_dm_object_name" && arity == 1).then(|| {
        (
            vec!["object".to_string()],
            "rename $object$.* AS *".to_string(),
        )
    })
}

/// `file:line` of a span: in a content file, or in a built-in sourcetype
/// definition.
fn at(p: &Project, span: detc_diag::Span) -> String {
    if let Some(l) = builtin::location(span) {
        return l;
    }
    let f = p.sources.get(span.file);
    format!("{}:{}", f.path, f.line_col(span.start).line)
}

/// One event of the attack data, with the fields a search sees.
struct Event {
    /// Its fields (`KV_MODE = json` names), with `_time`, `sourcetype`,
    /// `source`.
    fields: Row,
    /// Its data model row, when the test's search reads a data model
    /// (`None`: the mapping's constraint leaves it out).
    row: Option<Row>,
}

/// The events of each attack data file already read, by (path,
/// sourcetype, source, data model): tests that share a dataset read it
/// once.
type Cache = std::collections::HashMap<
    (String, String, String, Option<(String, Option<String>)>),
    std::rc::Rc<Vec<Event>>,
>;

/// The events of one attack data file: their fields, `_time` from the
/// sourcetype's `time` field (ISO 8601 with a zone, or epoch seconds), and
/// their data model rows when `mapping` is given.
///
/// # Errors
/// The file cannot be read or is not JSON (the message names the file and
/// line).
fn read_events(
    path: &std::path::Path,
    st: &Sourcetype,
    source: &str,
    calculated: &CalculatedFields,
    mapping: Option<&Mapping>,
) -> Result<Vec<Event>, String> {
    let sourcetype = st.name.as_ref().map_or("", |n| n.value.as_str());
    let time = st.time.as_ref().map_or("", |t| t.value.as_str());
    let xml = st
        .format
        .as_ref()
        .is_some_and(|f| f.value == "xmlwineventlog");
    let extracted: Vec<Row> = if xml {
        detc_replay::winxml::read_events(path)?
            .into_iter()
            .map(|(line, xml)| {
                detc_replay::winxml::fields(&xml)
                    .map_err(|e| format!("{}:{line}: {e}", path.display()))
            })
            .collect::<Result<_, _>>()?
    } else {
        json::read_events(path)?.iter().map(json::fields).collect()
    };
    Ok(extracted
        .into_iter()
        .map(|mut fields| {
            fields.set("sourcetype", sourcetype);
            if !source.is_empty() {
                fields.set("source", source);
            } else if xml && let Some(channel) = fields.first("Channel").map(str::to_string) {
                // The Windows add-on's inputs name the source after the
                // event log: `XmlWinEventLog:<Channel>`.
                fields.set("source", format!("XmlWinEventLog:{channel}"));
            }
            if let Some(t) = fields.first(time).and_then(epoch) {
                fields.set("_time", t.to_string());
            }
            calculated.apply(&mut fields);
            let row = mapping.and_then(|m| m.apply(&fields));
            Event { fields, row }
        })
        .collect())
}

/// Epoch seconds of an event's time: ISO 8601 with a zone
/// (`2023-07-10T11:54:47Z`) or a number of seconds.
fn epoch(v: &str) -> Option<i64> {
    if let Ok(t) = v.parse::<jiff::Timestamp>() {
        return Some(t.as_second());
    }
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(|x| x as i64)
}

/// The compiled calculated fields of `st`.
///
/// # Errors
/// As a failed test outcome, with the file:line of the expression outside
/// the SPL subset.
fn calculated_for(p: &Project, st: &Sourcetype) -> Result<CalculatedFields, Outcome> {
    let fields: Vec<(&str, &str)> = st
        .calculated_fields
        .iter()
        .map(|(f, e)| (f.value.as_str(), e.value.as_str()))
        .collect();
    CalculatedFields::compile(&fields).map_err(|(i, why)| {
        let (at_, name) = match st.calculated_fields.get(i) {
            Some((f, e)) => (at(p, e.span), f.value.as_str()),
            None => (st.path.clone(), "?"),
        };
        Outcome::Failed(format!(
            "{at_}: the calculated field `{name}`: {why}; write it with the eval functions of docs/testing.md"
        ))
    })
}

/// The compiled mapping of `st`'s events to data model `dm`, dataset
/// `dataset` (as `from datamodel=<dm>.<dataset>` names them; without a
/// dataset, the first one `st` lists for `dm`): every entry of its
/// `datamodels` for that dataset, in file order, an event taking the first
/// whose constraint selects it.
///
/// # Errors
/// As a test outcome: skipped when `st` maps nothing to `dm`; failed with
/// the file:line of the constraint or expression outside the SPL subset.
fn mapping_for(
    p: &Project,
    st: &Sourcetype,
    dm: &str,
    dataset: Option<&str>,
) -> Result<Mapping, Outcome> {
    let name = st.name.as_ref().map_or("", |n| n.value.as_str());
    let same = |a: &Option<detc_yaml::Spanned<String>>, b: &str| {
        a.as_ref().is_some_and(|d| d.value.eq_ignore_ascii_case(b))
    };
    let of_dm: Vec<_> = st
        .datamodels
        .iter()
        .filter(|m| same(&m.datamodel, dm))
        .collect();
    let dataset = dataset.or_else(|| {
        of_dm
            .first()
            .and_then(|m| m.dataset.as_ref())
            .map(|d| d.value.as_str())
    });
    let chosen: Vec<_> = of_dm
        .into_iter()
        .filter(|m| dataset.is_none_or(|d| same(&m.dataset, d)))
        .collect();
    let compile = |m: &detc_content::model::DatamodelMapping| {
        let fields: Vec<(&str, &str)> = m
            .fields
            .iter()
            .map(|(f, e)| (f.value.as_str(), e.value.as_str()))
            .collect();
        let prefix = m.dataset.as_ref().map_or(dm, |d| d.value.as_str());
        Mapping::compile(prefix, m.constraint.as_ref().map(|c| c.value.as_str()), &fields).map_err(
            |e| {
                let (span, what, why) = match e {
                    MappingError::Constraint(why) => (
                        m.constraint.as_ref().map_or(m.span, |c| c.span),
                        "`constraint`".to_string(),
                        why,
                    ),
                    MappingError::Field(i, why) => match m.fields.get(i) {
                        Some((f, e)) => (e.span, format!("the field `{}`", f.value), why),
                        None => (m.span, "a field".to_string(), why),
                    },
                };
                Outcome::Failed(format!(
                    "{}: {what} of the `{dm}` mapping: {why}; write it with the eval functions of docs/testing.md",
                    at(p, span)
                ))
            },
        )
    };
    let mut arms = chosen.into_iter().map(compile);
    let Some(first) = arms.next() else {
        let what = match dataset {
            Some(d) => format!("{dm}.{d}"),
            None => dm.to_string(),
        };
        return Err(Outcome::Skipped(format!(
            "{} maps no `{name}` events to the data model `{what}`: add it under `datamodels` (docs/testing.md)",
            st.path
        )));
    };
    arms.try_fold(first?, |all, arm| Ok(all.or(arm?)))
}

/// The fields of a data model dataset that `search` names, without the
/// prefix (`All_Changes.user` gives `user`); `prefix` ends with a dot.
fn dataset_fields(search: &str, prefix: &str) -> std::collections::BTreeSet<String> {
    if prefix.is_empty() {
        return std::collections::BTreeSet::new();
    }
    let mut out = std::collections::BTreeSet::new();
    let mut rest = search;
    while let Some(at) = rest.find(prefix) {
        let before_ok = rest[..at]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let after = &rest[at + prefix.len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if before_ok && !name.is_empty() {
            out.insert(name);
        }
        rest = after;
    }
    out
}

/// The CSV file of the content's lookup `name` (its definition's name, or
/// its file name), or why `lookup` cannot read it.
fn csv_lookup(p: &Project, name: &str) -> Result<std::path::PathBuf, String> {
    let l = p
        .content
        .lookups
        .iter()
        .find(|l| l.common.name() == name || l.file_name().as_deref() == Some(name))
        .ok_or_else(|| format!("no lookup named `{name}` in lookups/"))?;
    if l.written_by.is_some() {
        return Err(format!(
            "`{name}` is firstseen's state, not a lookup to read"
        ));
    }
    if let Some((k, _)) = l.options.first() {
        return Err(format!(
            "the lookup `{name}` sets `{k}`, which detc test does not replay"
        ));
    }
    let file = l
        .file_name()
        .filter(|f| f.ends_with(".csv"))
        .ok_or_else(|| format!("`{name}` is not a CSV lookup; detc test reads CSV lookups only"))?;
    Ok(p.root.join("lookups").join(file))
}

/// The content's definition of sourcetype `name`, else detc's built-in
/// one ([`builtin`]).
fn sourcetypes<'p>(p: &'p Project, name: &str) -> Option<&'p Sourcetype> {
    p.content
        .sourcetypes
        .iter()
        .find(|s| s.name.as_ref().is_some_and(|n| n.value == name))
        .or_else(|| builtin::sourcetype(name))
}

/// Why a test cannot run at all: skipped or failed, before any run.
fn refuse(outcome: Outcome) -> Vec<(Option<String>, Outcome, f64)> {
    vec![(None, outcome, 0.0)]
}

/// Runs one test: its runs in order (one when it has no timeline), sharing
/// one firstseen state. Returns `(run name, outcome, seconds)` per run.
fn run_test(
    p: &Project,
    d: &Detection,
    t: &DetectionTest,
    defs: spl::Macros,
    cache: &mut Cache,
    sources: &Sources,
) -> Vec<(Option<String>, Outcome, f64)> {
    let Some(search) = d.search.as_ref() else {
        return refuse(Outcome::Failed("the detection has no search".into()));
    };
    // What cannot run at all comes first: the data.
    if t.attack_data.is_empty() {
        return refuse(Outcome::Skipped("the test has no attack_data".into()));
    }
    for a in &t.attack_data {
        if a.data.is_none() {
            return refuse(Outcome::Failed("an attack_data entry has no `data`".into()));
        }
        let sourcetype = a.sourcetype.as_ref().map_or("", |s| s.value.as_str());
        if sourcetypes(p, sourcetype).is_none() {
            return refuse(Outcome::Skipped(format!(
                "no `sourcetypes/` definition for sourcetype `{sourcetype}`, so detc test cannot read its events: add one (docs/testing.md)"
            )));
        }
    }
    let search_at = at(p, search.span);
    let expanded = match spl::expand_macros(&search.value, defs) {
        Ok(s) => s,
        Err(e) => return refuse(Outcome::Skipped(format!("{search_at}: {e}"))),
    };
    if let Some(c) = spl::outside_subset(&expanded) {
        return refuse(Outcome::Skipped(format!(
            "{search_at}: `{c}` is not in the replay's SPL subset"
        )));
    }
    let pipeline = detc_spl::split_pipeline(&expanded);
    if t.timeline.is_empty()
        && let Some(fs) = pipeline.iter().find(|c| c.name == "firstseen")
        && fs.args.contains("min_history=")
    {
        return refuse(Outcome::Skipped(format!(
            "{search_at}: firstseen with min_history= reports nothing until its state holds that much history: give the test a `timeline` of runs (docs/testing.md)"
        )));
    }
    // Then where the data is: only now, so that nothing is downloaded for
    // a test that could not read it or run its search.
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for a in &t.attack_data {
        let Some(data) = a.data.as_ref() else {
            continue;
        };
        match sources.resolve(&p.root, &data.value) {
            Resolved::File(f) => files.push(f),
            Resolved::Skip(why) => return refuse(Outcome::Skipped(why)),
            Resolved::Fail(why) => {
                return refuse(Outcome::Failed(format!("{}: {why}", at(p, data.span))));
            }
        }
    }
    let datamodel = spl::tstats_datamodel(&expanded);
    let mut events: Vec<std::rc::Rc<Vec<Event>>> = Vec::new();
    // Data model fields the search reads that a mapping does not give: a
    // hint when the test fails.
    let mut unmapped: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    // Every entry has its data (checked above), so `files` is in step.
    for (a, file) in t.attack_data.iter().zip(&files) {
        let Some(data) = a.data.as_ref() else {
            continue;
        };
        let sourcetype = a.sourcetype.as_ref().map_or("", |s| s.value.as_str());
        let Some(st) = sourcetypes(p, sourcetype) else {
            continue;
        };
        let source = a.source.as_ref().map_or("", |s| s.value.as_str());
        let key = (
            data.value.clone(),
            sourcetype.to_string(),
            source.to_string(),
            datamodel.clone(),
        );
        let mapping = match &datamodel {
            None => None,
            Some((dm, dataset)) => match mapping_for(p, st, dm, dataset.as_deref()) {
                Ok(m) => Some(m),
                Err(o) => return refuse(o),
            },
        };
        if let Some(m) = &mapping {
            unmapped.extend(
                dataset_fields(&expanded, m.prefix())
                    .into_iter()
                    .filter(|f| !m.maps(f))
                    .map(|f| format!("`{}{f}`, which {} does not map", m.prefix(), st.path)),
            );
        }
        if let Some(e) = cache.get(&key) {
            events.push(e.clone());
            continue;
        }
        let calculated = match calculated_for(p, st) {
            Ok(c) => c,
            Err(o) => return refuse(o),
        };
        match read_events(file, st, source, &calculated, mapping.as_ref()) {
            Ok(e) => {
                let e = std::rc::Rc::new(e);
                cache.insert(key, e.clone());
                events.push(e);
            }
            Err(e) => {
                return refuse(Outcome::Failed(format!(
                    "{}: the attack data cannot be read: {e}",
                    at(p, data.span)
                )));
            }
        }
    }
    let Ok(state) = tempfile::tempdir() else {
        return refuse(Outcome::Failed(
            "cannot create a temporary folder for firstseen's state".into(),
        ));
    };
    let lookups = |name: &str| csv_lookup(p, name);
    let cx = |latest| spl::Context {
        macros: defs,
        state_dir: state.path().to_path_buf(),
        latest,
        lookups: &lookups,
    };
    let runs: Vec<(Option<String>, Option<&TimelineRun>, &Expectation)> = if t.timeline.is_empty() {
        vec![(None, None, &t.expectation)]
    } else {
        t.timeline
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let name = r
                    .name
                    .as_ref()
                    .map_or_else(|| format!("run {}", i + 1), |n| n.value.clone());
                (Some(name), Some(r), &r.expectation)
            })
            .collect()
    };
    let mut out = Vec::new();
    let mut previous: Option<i64> = None;
    for (name, run, expectation) in runs {
        let start = std::time::Instant::now();
        let outcome = match prepare(p, run, &events, datamodel.is_some(), previous) {
            Err(o) => o,
            Ok((rows, latest)) => {
                previous = Some(latest);
                if run.is_some_and(|r| r.reset_state.as_ref().is_some_and(|b| b.value)) {
                    clear(state.path());
                }
                match spl::run(&expanded, &rows, &cx(latest)) {
                    Ok(found) => match check(expectation, &found) {
                        Outcome::Failed(why) if !unmapped.is_empty() => Outcome::Failed(format!(
                            "{why} (the search reads {})",
                            unmapped.iter().cloned().collect::<Vec<_>>().join(", ")
                        )),
                        o => o,
                    },
                    Err(spl::RunError::Outside(e)) => Outcome::Skipped(format!("{search_at}: {e}")),
                    Err(spl::RunError::Failed(e)) => Outcome::Failed(format!("{search_at}: {e}")),
                }
            }
        };
        let skipped = matches!(outcome, Outcome::Skipped(_));
        out.push((name, outcome, start.elapsed().as_secs_f64()));
        if skipped {
            // The search is the same in every run: one reason is enough.
            break;
        }
    }
    out
}

/// Removes every file of firstseen's state folder (a run with
/// `reset_state: true`).
fn clear(dir: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A run's rows (its events picked by `events`, moved by `shift`, as data
/// model rows or event fields) and its latest time (one second, or
/// `latest`, after its last event).
fn prepare(
    p: &Project,
    run: Option<&TimelineRun>,
    events: &[std::rc::Rc<Vec<Event>>],
    on_datamodel: bool,
    previous: Option<i64>,
) -> Result<(Vec<Row>, i64), Outcome> {
    let offset = |v: Option<&detc_yaml::Spanned<String>>, default: i64| match v {
        None => Ok(default),
        Some(s) => time_offset(&s.value).ok_or_else(|| {
            Outcome::Failed(format!(
                "{}: `{}` is not a time offset such as `-8d` or `+1h`",
                at(p, s.span),
                s.value
            ))
        }),
    };
    let shift = offset(run.and_then(|r| r.shift.as_ref()), 0)?;
    let after = offset(run.and_then(|r| r.latest.as_ref()), 1)?;
    let filter = match run.and_then(|r| r.events.as_ref()) {
        None => None,
        Some(e) => Some(
            spl::SearchTerms::parse(&e.value)
                .map_err(|err| Outcome::Failed(format!("{}: `events`: {err}", at(p, e.span))))?,
        ),
    };
    let mut rows = Vec::new();
    for e in events.iter().flat_map(|e| e.iter()) {
        if filter.as_ref().is_some_and(|f| !f.matches(&e.fields)) {
            continue;
        }
        let mut row = if on_datamodel {
            match &e.row {
                Some(r) => r.clone(),
                None => continue,
            }
        } else {
            e.fields.clone()
        };
        if shift != 0
            && let Some(t) = row.first("_time").and_then(|t| t.parse::<i64>().ok())
        {
            row.set("_time", (t + shift).to_string());
        }
        rows.push(row);
    }
    let last = rows
        .iter()
        .filter_map(|r| r.first("_time").and_then(|t| t.parse::<i64>().ok()))
        .max();
    let Some(last) = last else {
        let where_ = run.map_or_else(|| "the attack data".to_string(), |r| at(p, r.span));
        return Err(Outcome::Failed(format!(
            "{where_}: no event with a time to run the search on; check `events` and the attack data"
        )));
    };
    let latest = last + after;
    if let Some(prev) = previous
        && latest < prev
    {
        let where_ = run.map_or_else(String::new, |r| format!("{}: ", at(p, r.span)));
        return Err(Outcome::Failed(format!(
            "{where_}the run's latest time ({latest}) is before the previous run's ({prev}): a timeline's runs go forward in time; shift this run later"
        )));
    }
    Ok((rows, latest))
}

/// Compares a run's results with what the test expects.
fn check(e: &Expectation, found: &[Row]) -> Outcome {
    let none = e.expect.as_ref().is_some_and(|x| x.value == "none");
    if none && !found.is_empty() {
        return Outcome::Failed(format!(
            "expect: none, but the search returned {} results: {}",
            found.len(),
            show(found, &[])
        ));
    }
    if let Some(c) = &e.count
        && found.len() as i64 != c.value
    {
        return Outcome::Failed(format!(
            "count: {}, but the search returned {} results: {}",
            c.value,
            found.len(),
            show(found, &[])
        ));
    }
    for want in &e.rows {
        if !found.iter().any(|r| row_matches(want, r)) {
            let fields: Vec<&str> = want.fields.iter().map(|(f, _)| f.value.as_str()).collect();
            return Outcome::Failed(format!(
                "no result has {}; the search returned {} results: {}",
                describe(want),
                found.len(),
                show(found, &fields)
            ));
        }
    }
    if !none && e.count.is_none() && found.is_empty() {
        return Outcome::Failed("the search returned no results on the attack data".into());
    }
    Outcome::Passed(found.len())
}

/// Whether result `r` has every field of `want` with the same values
/// (multivalue fields compared without regard to order).
fn row_matches(want: &ExpectedRow, r: &Row) -> bool {
    want.fields.iter().all(|(f, vs)| {
        let mut a: Vec<&str> = r.values(&f.value).iter().map(String::as_str).collect();
        let mut b: Vec<&str> = vs.iter().map(String::as_str).collect();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    })
}

/// `{user=alice, command=[A, B]}`.
fn describe(want: &ExpectedRow) -> String {
    let parts: Vec<String> = want
        .fields
        .iter()
        .map(|(f, vs)| match vs.as_slice() {
            [one] => format!("{}={one}", f.value),
            _ => format!("{}=[{}]", f.value, vs.join(", ")),
        })
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Up to five results, each as `{field=value, ...}` (only `fields` when
/// given, else every field but `_raw`).
fn show(found: &[Row], fields: &[&str]) -> String {
    let mut parts: Vec<String> = found
        .iter()
        .take(5)
        .map(|r| {
            let kv: Vec<String> =
                r.0.iter()
                    .filter(|(k, _)| {
                        if fields.is_empty() {
                            k.as_str() != "_raw"
                        } else {
                            fields.contains(&k.as_str())
                        }
                    })
                    .map(|(k, vs)| match vs.as_slice() {
                        [one] => format!("{k}={one}"),
                        _ => format!("{k}=[{}]", vs.join(", ")),
                    })
                    .collect();
            format!("{{{}}}", kv.join(", "))
        })
        .collect();
    if found.len() > 5 {
        parts.push(format!("and {} more", found.len() - 5));
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join("; ")
    }
}

/// Whether any test failed.
pub fn any_failed(results: &[TestResult]) -> bool {
    results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Failed(_)))
}

/// The results as lines for a terminal, and a summary line.
pub fn text(results: &[TestResult]) -> String {
    let mut o = String::new();
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    for r in results {
        let line = match &r.outcome {
            Outcome::Passed(n) => {
                pass += 1;
                format!("passed   {} / {} ({n} results)", r.detection, r.test)
            }
            Outcome::Failed(why) => {
                fail += 1;
                format!("FAILED   {} / {}: {why}", r.detection, r.test)
            }
            Outcome::Skipped(why) => {
                skip += 1;
                format!("skipped  {} / {}: {why}", r.detection, r.test)
            }
        };
        o.push_str(&line);
        o.push('\n');
    }
    o.push_str(&format!(
        "{} tests: {pass} passed, {fail} failed, {skip} skipped\n",
        results.len()
    ));
    let (sourcetypes, commands) = gaps(results);
    let list = |m: &std::collections::BTreeMap<String, usize>| {
        let mut v: Vec<(&String, &usize)> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !sourcetypes.is_empty() {
        o.push_str(&format!(
            "skipped for a sourcetype detc test cannot read yet (tests): {}\n",
            list(&sourcetypes)
        ));
    }
    if !commands.is_empty() {
        o.push_str(&format!(
            "skipped for a command outside the replay's subset (tests): {}\n",
            list(&commands)
        ));
    }
    o
}

/// The skipped tests counted by what detc test lacks: (sourcetypes,
/// commands), each name with its number of tests.
pub fn gaps(
    results: &[TestResult],
) -> (
    std::collections::BTreeMap<String, usize>,
    std::collections::BTreeMap<String, usize>,
) {
    let (mut st, mut cmd) = (
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
    );
    for r in results {
        match &r.gap {
            Some(Gap::Sourcetype(s)) => *st.entry(s.clone()).or_insert(0) += 1,
            Some(Gap::Command(c)) => *cmd.entry(c.clone()).or_insert(0) += 1,
            None => {}
        }
    }
    (st, cmd)
}

/// The results as JSON: `{"tests": [{detection, file, test, outcome, reason?, results?, seconds}], "passed", "failed", "skipped", "unsupported": {"sourcetypes": {name: tests}, "commands": {name: tests}}}`.
pub fn json(results: &[TestResult]) -> String {
    let count = |f: fn(&Outcome) -> bool| results.iter().filter(|r| f(&r.outcome)).count();
    let tests: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut v = serde_json::json!({
                "detection": r.detection,
                "file": r.file,
                "test": r.test,
                "seconds": r.seconds,
            });
            match &r.outcome {
                Outcome::Passed(n) => {
                    v["outcome"] = "passed".into();
                    v["results"] = (*n).into();
                }
                Outcome::Failed(why) => {
                    v["outcome"] = "failed".into();
                    v["reason"] = why.as_str().into();
                }
                Outcome::Skipped(why) => {
                    v["outcome"] = "skipped".into();
                    v["reason"] = why.as_str().into();
                }
            }
            v
        })
        .collect();
    let doc = serde_json::json!({
        "tests": tests,
        "passed": count(|o| matches!(o, Outcome::Passed(_))),
        "failed": count(|o| matches!(o, Outcome::Failed(_))),
        "skipped": count(|o| matches!(o, Outcome::Skipped(_))),
        "unsupported": {"sourcetypes": gaps(results).0, "commands": gaps(results).1},
    });
    format!("{doc:#}\n")
}

/// XML text escaped for an attribute or element.
fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

/// The results as JUnit XML (one `testsuite` per run, one `testcase` per
/// test, classname = the detection's file), which CI systems display.
pub fn junit(results: &[TestResult]) -> String {
    let failures = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let skipped = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
        .count();
    let time: f64 = results.iter().map(|r| r.seconds).sum();
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str(&format!(
        "<testsuite name=\"detc test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"{time:.3}\">\n",
        results.len()
    ));
    for r in results {
        o.push_str(&format!(
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
            xml(&r.file),
            xml(&format!("{} / {}", r.detection, r.test)),
            r.seconds
        ));
        match &r.outcome {
            Outcome::Passed(_) => o.push_str("/>\n"),
            Outcome::Failed(why) => o.push_str(&format!(
                ">\n    <failure message=\"{}\"/>\n  </testcase>\n",
                xml(why)
            )),
            Outcome::Skipped(why) => o.push_str(&format!(
                ">\n    <skipped message=\"{}\"/>\n  </testcase>\n",
                xml(why)
            )),
        }
    }
    o.push_str("</testsuite>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The shipped `sourcetypes/aws_cloudtrail.yml` mapping to `Change`,
    /// applied to one CloudTrail record.
    fn change_row(record: serde_json::Value) -> Option<Row> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let p = detc_content::load::load(&root);
        let st = sourcetypes(&p, "aws:cloudtrail").expect("the shipped definition");
        let m = mapping_for(&p, st, "Change", None).expect("it compiles");
        let mut fields = json::fields(&record);
        if let Some(t) = fields.first("eventTime").and_then(epoch) {
            fields.set("_time", t.to_string());
        }
        m.apply(&fields)
    }

    /// Every data model mapping of the built-in definitions compiles (its
    /// constraint and expressions are in the replay's subset), for each
    /// dataset by name and for the data model alone.
    #[test]
    fn the_built_in_mappings_compile() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let p = detc_content::load::load(&root);
        let st = builtin::sourcetype("XmlWinEventLog").expect("built in");
        let mut datasets = Vec::new();
        for m in &st.datamodels {
            let dm = m.datamodel.as_ref().map(|d| d.value.as_str()).unwrap();
            let ds = m.dataset.as_ref().map(|d| d.value.as_str()).unwrap();
            match mapping_for(&p, st, dm, Some(ds)) {
                Ok(m) => assert_eq!(m.prefix(), format!("{ds}.")),
                Err(o) => panic!("{dm}.{ds}: {o:?}"),
            }
            datasets.push(format!("{dm}.{ds}"));
        }
        assert_eq!(
            datasets,
            [
                "Endpoint.Processes",
                "Endpoint.Processes",
                "Endpoint.Filesystem",
                "Endpoint.Registry",
                "Network_Traffic.All_Traffic"
            ]
        );
        // Every mapping of every built-in definition.
        for st in builtin::all() {
            for m in &st.datamodels {
                let dm = m.datamodel.as_ref().map(|d| d.value.as_str()).unwrap();
                let ds = m.dataset.as_ref().map(|d| d.value.as_str()).unwrap();
                if let Err(o) = mapping_for(&p, st, dm, Some(ds)) {
                    panic!("{}: {dm}.{ds}: {o:?}", st.path);
                }
            }
        }
        // Without a dataset: the first listed.
        let m = mapping_for(&p, st, "Endpoint", None).expect("compiles");
        assert_eq!(m.prefix(), "Processes.");
        assert!(matches!(
            mapping_for(&p, st, "Endpoint", Some("Services")),
            Err(Outcome::Skipped(why)) if why.contains("`Endpoint.Services`")
        ));
    }

    #[test]
    fn the_dataset_fields_a_search_names() {
        let f = dataset_fields(
            "| tstats count from datamodel=Change where All_Changes.user=é by All_Changes.src, X.All_Changes.no `m(All_Changes.obj)`",
            "All_Changes.",
        );
        assert_eq!(f.into_iter().collect::<Vec<_>>(), ["obj", "src", "user"]);
        assert!(dataset_fields("All_Changes.x", "").is_empty());
    }

    #[test]
    fn lookups_resolve_to_csv_files_or_say_why_not() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/packs/build");
        let p = detc_content::load::load(&root);
        // Options (case_sensitive_match=false, default_match) change matching.
        let e = csv_lookup(&p, "aws_service_accounts").unwrap_err();
        assert!(e.contains("which detc test does not replay"), "{e}");
        let e = csv_lookup(&p, "cloud_identity_first_seen").unwrap_err();
        assert!(e.contains("CSV lookups only"), "{e}");
        let e = csv_lookup(&p, "nosuch").unwrap_err();
        assert!(e.contains("no lookup named `nosuch`"), "{e}");
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("lookups")).unwrap();
        std::fs::write(
            t.path().join("lookups/admins.yml"),
            "name: admins\nlookup_type: csv\n",
        )
        .unwrap();
        let p = detc_content::load::load(t.path());
        assert_eq!(
            csv_lookup(&p, "admins").unwrap(),
            t.path().join("lookups/admins.csv")
        );
        assert_eq!(
            csv_lookup(&p, "admins.csv").unwrap(),
            t.path().join("lookups/admins.csv"),
            "by file name too"
        );
        let shipped = detc_content::load::load(&root.join("../../../.."));
        let e = csv_lookup(&shipped, "detc_cloud_roles_assumed_per_principal").unwrap_err();
        assert!(e.contains("firstseen's state"), "{e}");
    }

    #[test]
    fn an_assumed_role_is_its_role_and_a_failed_call_is_a_failure() {
        let row = change_row(json!({
            "eventType": "AwsApiCall", "eventTime": "2023-07-10T11:54:47Z",
            "eventName": "GetPasswordData", "errorCode": "Client.UnauthorizedOperation",
            "sourceIPAddress": "192.168.10.20", "userAgent": "stratus-red-team_x",
            "recipientAccountId": "123837392027", "awsRegion": "us-east-1",
            "userIdentity": {"type": "AssumedRole",
                "arn": "arn:aws:sts::123837392027:assumed-role/pw-role/aws-go-sdk-1",
                "sessionContext": {"sessionIssuer": {"userName": "pw-role"}}}
        }))
        .expect("an API call is a change");
        assert_eq!(row.first("_time"), Some("1688990087"));
        assert_eq!(row.first("All_Changes.user"), Some("pw-role"));
        assert_eq!(row.first("All_Changes.user_type"), Some("AssumedRole"));
        assert_eq!(row.first("All_Changes.status"), Some("failure"));
        assert_eq!(
            row.first("All_Changes.result"),
            Some("Client.UnauthorizedOperation")
        );
        assert_eq!(row.first("All_Changes.object"), None);
        assert_eq!(
            row.first("All_Changes.vendor_product"),
            Some("AWS CloudTrail")
        );
    }

    #[test]
    fn objects_and_callers() {
        let key = change_row(
            json!({"eventName": "CreateAccessKey", "eventTime": "2023-07-10T12:24:29Z",
            "userIdentity": {"type": "IAMUser", "userName": "alice"}}),
        )
        .unwrap();
        assert_eq!(
            key.first("All_Changes.object"),
            Some("alice"),
            "the caller itself"
        );
        let assume = change_row(
            json!({"eventName": "AssumeRole", "eventTime": "2023-07-10T12:24:29Z",
            "requestParameters": {"roleArn": "arn:aws:iam::1:role/admin-role"},
            "userIdentity": {"type": "Root"}}),
        )
        .unwrap();
        assert_eq!(assume.first("All_Changes.object"), Some("admin-role"));
        assert_eq!(assume.first("All_Changes.user"), Some("root"));
        // A role session without a session issuer: the ARN's role part.
        let federated = change_row(
            json!({"eventName": "ListBuckets", "eventTime": "2023-07-10T12:24:29Z",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r1/s"}}),
        )
        .unwrap();
        assert_eq!(federated.first("All_Changes.user"), Some("r1"));
        let service = json!({"eventType": "AwsServiceEvent", "eventTime": "2023-07-10T12:24:29Z"});
        assert!(
            change_row(service).is_none(),
            "AWS acting on its own is not a change"
        );
        assert!(change_row(json!({"eventName": "X"})).is_none(), "no time");
    }
}
