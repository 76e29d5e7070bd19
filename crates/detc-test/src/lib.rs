//! `detc test`: each detection's `tests:` run offline, on its attack data,
//! with detc's SPL interpreter (`detc-replay`) and the real firstseen
//! engine.
//!
//! A test keeps contentctl's meaning: it passes when the search returns at
//! least one result on the attack data of all its `attack_data` entries.
//! With `expect: none` (a detc extension, for benign data) it passes when
//! the search returns nothing.
//! What runs today, and what is skipped with its reason:
//!
//! - Attack data must be a local file (a path relative to the content
//!   root); a URL is skipped (contentctl downloads it into Splunk).
//! - Events are read for the sourcetype `aws:cloudtrail` (a JSON list,
//!   `{"Records": [...]}`, or JSON lines, optionally gzip): a search that
//!   starts with `| tstats ... from datamodel=Change` gets CIM Change rows
//!   (`detc_replay::cloudtrail`, the Splunk Add-on for AWS's mapping written
//!   in Rust); any other search gets the events' fields as Splunk's
//!   `KV_MODE = json` names them (`detc_replay::json`), with `sourcetype`
//!   and `source` from the test. Other sourcetypes are skipped.
//! - A search with a command outside the interpreter's subset
//!   (`detc_replay::spl`) is skipped, naming the command and the file:line
//!   of the search.
//! - A firstseen search with `min_history=` reports nothing until its state
//!   holds that much history: it needs a sequence of runs (a timeline),
//!   which `detc test` does not run yet, so it is skipped and says so.
//!
//! The search's latest time is one second after the last event.

use detc_content::Project;
use detc_content::model::{Detection, DetectionTest};
use detc_replay::{Row, cloudtrail, json, spl};

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
}

/// Runs the tests of every detection of `p` (or only of those named in
/// `only`, matched case-insensitively), in the order of the content.
pub fn run(p: &Project, only: &[String]) -> Vec<TestResult> {
    let macros = detc_content::rules::MacroIndex::new(&p.content);
    let defs = |n: &str, a: usize| macros.definition(n, a);
    let mut out = Vec::new();
    for d in &p.content.detections {
        let name = d.common.name();
        if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(name)) {
            continue;
        }
        for t in &d.tests {
            let start = std::time::Instant::now();
            let outcome = run_one(p, d, t, &defs);
            out.push(TestResult {
                detection: name.to_string(),
                file: d.common.path.clone(),
                test: t
                    .name
                    .as_ref()
                    .map_or("test", |n| n.value.as_str())
                    .to_string(),
                outcome,
                seconds: start.elapsed().as_secs_f64(),
            });
        }
    }
    out
}

/// The 1-based line of byte `offset` in source file `file`.
fn line_of(p: &Project, span: detc_diag::Span) -> usize {
    p.sources.get(span.file).line_col(span.start).line
}

fn run_one(p: &Project, d: &Detection, t: &DetectionTest, defs: spl::Macros) -> Outcome {
    let Some(search) = d.search.as_ref() else {
        return Outcome::Failed("the detection has no search".into());
    };
    // What cannot run at all comes first: the data.
    if t.attack_data.is_empty() {
        return Outcome::Skipped("the test has no attack_data".into());
    }
    for a in &t.attack_data {
        let Some(data) = a.data.as_ref() else {
            return Outcome::Failed("an attack_data entry has no `data`".into());
        };
        if data.value.starts_with("http://") || data.value.starts_with("https://") {
            return Outcome::Skipped(format!(
                "the attack data is a URL ({}); detc test runs local files",
                data.value
            ));
        }
        let sourcetype = a.sourcetype.as_ref().map_or("", |s| s.value.as_str());
        if sourcetype != "aws:cloudtrail" {
            return Outcome::Skipped(format!(
                "no field extraction for sourcetype `{sourcetype}` in detc test yet (aws:cloudtrail only)"
            ));
        }
    }
    let at = format!("{}:{}", d.common.path, line_of(p, search.span));
    let expanded = match spl::expand_macros(&search.value, defs) {
        Ok(s) => s,
        Err(e) => return Outcome::Skipped(format!("{at}: {e}")),
    };
    let pipeline = detc_spl::split_pipeline(&expanded);
    if let Some(fs) = pipeline.iter().find(|c| c.name == "firstseen")
        && fs.args.contains("min_history=")
    {
        return Outcome::Skipped(format!(
            "{at}: firstseen with min_history= needs a timeline of runs to build its history, which detc test does not run yet"
        ));
    }
    let on_datamodel = pipeline.first().is_some_and(|c| c.name == "tstats");
    let mut rows: Vec<Row> = Vec::new();
    for a in &t.attack_data {
        let Some(data) = a.data.as_ref() else {
            continue;
        };
        let sourcetype = a.sourcetype.as_ref().map_or("", |s| s.value.as_str());
        let path = p.root.join(&data.value);
        let records = match cloudtrail::read_records(&path) {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Failed(format!(
                    "{}:{}: the attack data cannot be read: {e}",
                    d.common.path,
                    line_of(p, data.span)
                ));
            }
        };
        for r in &records {
            if on_datamodel {
                rows.extend(cloudtrail::change_row(r));
            } else {
                let mut row = json::fields(r);
                row.set("sourcetype", sourcetype);
                if let Some(s) = &a.source {
                    row.set("source", s.value.as_str());
                }
                rows.push(row);
            }
        }
    }
    let latest = rows
        .iter()
        .filter_map(|r| r.first("_time").and_then(|t| t.parse::<f64>().ok()))
        .fold(0.0_f64, f64::max) as i64
        + 1;
    let Ok(state) = tempfile::tempdir() else {
        return Outcome::Failed("cannot create a temporary folder for firstseen's state".into());
    };
    let cx = spl::Context {
        macros: defs,
        state_dir: state.path().to_path_buf(),
        latest,
    };
    let benign = t.expect.as_ref().is_some_and(|e| e.value == "none");
    match spl::run(&expanded, &rows, &cx) {
        Ok(found) if benign && !found.is_empty() => Outcome::Failed(format!(
            "expect: none, but the search returned {} results on the attack data",
            found.len()
        )),
        Ok(_) if benign => Outcome::Passed(0),
        Ok(found) if found.is_empty() => {
            Outcome::Failed("the search returned no results on the attack data".into())
        }
        Ok(found) => Outcome::Passed(found.len()),
        Err(e)
            if e.contains("is not in the replay's SPL subset") || e.contains("must start with") =>
        {
            Outcome::Skipped(format!("{at}: {e}"))
        }
        Err(e) => Outcome::Failed(format!("{at}: {e}")),
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
    o
}

/// The results as JSON: `{"tests": [{detection, file, test, outcome, reason?, results?, seconds}], "passed", "failed", "skipped"}`.
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
