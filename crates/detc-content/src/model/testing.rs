//! A detection's `tests` (contentctl's `UnitTest` and `TestAttackData`)
//! and the detc extensions `detc test` reads: what a run must return
//! (`expect`, `count`, `rows`) and timelines of runs (docs/testing.md).

use super::{constraint, one_of};
use crate::enums::TEST_EXPECTATIONS;
use crate::legacy::Format;
use detc_diag::Span;
use detc_yaml::{Decoder, MapReader, NodeId, Shape, Spanned};

/// One entry of a detection's `tests` (contentctl's `UnitTest`).
#[derive(Debug, Clone)]
pub struct DetectionTest {
    /// `name`, e.g. `True Positive Test`.
    pub name: Option<Spanned<String>>,
    /// `attack_data`: the data to replay.
    pub attack_data: Vec<AttackData>,
    /// What the search must return on the attack data (`expect`, `count`,
    /// `rows`: detc extensions). Empty for a test with a `timeline`, whose
    /// runs carry their own.
    pub expectation: Expectation,
    /// `timeline` (a detc extension): runs of the search, in order, sharing
    /// one firstseen state, for stateful detections. Empty: one run.
    pub timeline: Vec<TimelineRun>,
}

/// What one run of a test's search must return (detc extensions read by
/// `detc test`; see docs/testing.md).
#[derive(Debug, Clone, Default)]
pub struct Expectation {
    /// `expect`: `results` (the default, contentctl's meaning: at least one
    /// result) or `none` (benign data: the search must return nothing).
    pub expect: Option<Spanned<String>>,
    /// `count`: the exact number of results.
    pub count: Option<Spanned<i64>>,
    /// `rows`: results that must come out, each matched by the fields it
    /// lists (other fields of the result are not compared).
    pub rows: Vec<ExpectedRow>,
}

impl Expectation {
    /// Whether the test says nothing beyond contentctl's meaning.
    pub fn is_default(&self) -> bool {
        self.expect.is_none() && self.count.is_none() && self.rows.is_empty()
    }
}

/// One expected result: field name to its values (one, or a list for a
/// multivalue field, compared without regard to order).
#[derive(Debug, Clone)]
pub struct ExpectedRow {
    /// The row's mapping in the YAML.
    pub span: Span,
    /// `(field, values)`, in file order.
    pub fields: Vec<(Spanned<String>, Vec<String>)>,
}

/// One run of a test's `timeline`.
#[derive(Debug, Clone)]
pub struct TimelineRun {
    /// The run's mapping in the YAML.
    pub span: Span,
    /// `name`, shown in the results.
    pub name: Option<Spanned<String>>,
    /// `events`: search terms (`field=value`, `NOT`, `OR`, wildcards, as in
    /// a search) over the events' fields that pick this run's events from
    /// the test's attack data; all of them when absent.
    pub events: Option<Spanned<String>>,
    /// `shift`: moves the run's events in time, `[+-]<n><unit>` with unit
    /// `s`, `m`, `h`, `d` or `w` (e.g. `-8d`).
    pub shift: Option<Spanned<String>>,
    /// `latest`: the search's latest time, as an offset from the run's
    /// last event (same form as `shift`); `+1s` when absent.
    pub latest: Option<Spanned<String>>,
    /// `reset_state`: the firstseen state is lost before this run.
    pub reset_state: Option<Spanned<bool>>,
    /// What this run must return.
    pub expectation: Expectation,
}

/// One `attack_data` entry of a test: a file (URL, or a path relative to the
/// content root) of raw events with the `source` and `sourcetype` to index
/// them with.
#[derive(Debug, Clone)]
pub struct AttackData {
    /// `data`: URL or path of the events.
    pub data: Option<Spanned<String>>,
    /// `source`.
    pub source: Option<Spanned<String>>,
    /// `sourcetype`, e.g. `aws:cloudtrail`.
    pub sourcetype: Option<Spanned<String>>,
}

/// Decodes a detection's `tests` (empty when absent).
pub(super) fn tests(de: &mut Decoder, m: &mut MapReader, format: Format) -> Vec<DetectionTest> {
    match m.get_some(de, "tests") {
        Some(n) => {
            let items = de.seq(n, "tests").unwrap_or_default();
            let mut tests = Vec::new();
            for item in &items {
                if let Some(mut t) = de.map(*item, "test") {
                    let name = t.req_str(de, "name");
                    let mut attack_data = Vec::new();
                    if let Some(n) =
                        t.req(de, "attack_data", "a list of `{data, source, sourcetype}`")
                    {
                        for an in de.seq(n, "attack_data").unwrap_or_default() {
                            if let Some(mut a) = de.map(an, "attack_data entry") {
                                let data = a.req_str(de, "data");
                                let source = a.req_str(de, "source");
                                let sourcetype = a.req_str(de, "sourcetype");
                                let _ = a.opt_str(de, "custom_index");
                                let _ = a.opt_str(de, "host");
                                // 4.x only, and ignored by contentctl 4.4.7's
                                // `TestAttackData` whatever its value: a boolean is
                                // accepted silently, anything else is left for
                                // `finish` to report as having no effect (`S006`).
                                if format == Format::V4
                                    && de
                                        .peek(an, "update_timestamp")
                                        .is_some_and(|v| de.is_bool(v))
                                {
                                    let _ = a.get("update_timestamp");
                                }
                                a.finish(de);
                                attack_data.push(AttackData {
                                    data,
                                    source,
                                    sourcetype,
                                });
                            }
                        }
                    }
                    let _ = t.opt_str(de, "earliest_time");
                    let _ = t.opt_str(de, "latest_time");
                    let expectation = expectation(de, &mut t);
                    let mut timeline = Vec::new();
                    if let Some(n) = t.get_some(de, "timeline") {
                        for rn in de.seq(n, "timeline").unwrap_or_default() {
                            if let Some(run) = timeline_run(de, rn) {
                                timeline.push(run);
                            }
                        }
                        if !expectation.is_default() {
                            let at = t.key_span(de, "timeline").unwrap_or(t.span);
                            constraint(
                                de,
                                at,
                                "a test with a `timeline` has its expectations on each run".into(),
                                "move `expect`, `count` and `rows` into the runs of the timeline",
                            );
                        }
                    }
                    t.finish(de);
                    tests.push(DetectionTest {
                        name,
                        attack_data,
                        expectation,
                        timeline,
                    });
                }
            }
            tests
        }
        None => Vec::new(),
    }
}

/// Reads a test's or a timeline run's `expect`, `count` and `rows`.
fn expectation(de: &mut Decoder, m: &mut MapReader) -> Expectation {
    m.note_enum("expect", TEST_EXPECTATIONS);
    let expect = m
        .get_some(de, "expect")
        .and_then(|n| de.string(n, "expect"))
        .and_then(|v| one_of(de, v, TEST_EXPECTATIONS, "expect"));
    let count = m.opt_int(de, "count");
    if let Some(c) = &count
        && c.value < 0
    {
        constraint(
            de,
            c.span,
            format!(
                "`count` is {}, a number of results cannot be negative",
                c.value
            ),
            "write the exact number of results the search must return",
        );
    }
    let mut rows = Vec::new();
    if let Some(n) = m.get_some(de, "rows") {
        for rn in de.seq(n, "rows").unwrap_or_default() {
            let Some(mut r) = de.map(rn, "expected row") else {
                continue;
            };
            let mut fields = Vec::new();
            for (key, kn, vn) in r.take_all() {
                let values = if de.is_scalar(vn) {
                    de.scalar_text(vn, &key).map(|v| vec![v.value])
                } else {
                    de.seq(vn, &key).map(|items| {
                        items
                            .into_iter()
                            .filter_map(|i| de.scalar_text(i, &key).map(|v| v.value))
                            .collect()
                    })
                };
                if let Some(values) = values {
                    fields.push((Spanned::new(key, de.span(kn)), values));
                }
            }
            let span = r.span;
            r.finish(de);
            rows.push(ExpectedRow { span, fields });
        }
    }
    let e = Expectation {
        expect,
        count,
        rows,
    };
    if let Some(x) = &e.expect
        && x.value == "none"
        && (e.count.as_ref().is_some_and(|c| c.value > 0) || !e.rows.is_empty())
    {
        constraint(
            de,
            x.span,
            "`expect: none` says the search returns nothing, but `count` or `rows` expect results"
                .into(),
            "remove `expect: none`, or the `count` and `rows`",
        );
    }
    e
}

/// Reads one run of a test's `timeline`.
fn timeline_run(de: &mut Decoder, n: NodeId) -> Option<TimelineRun> {
    let mut r = de.map(n, "timeline run")?;
    let span = r.span;
    let name = r.opt_str(de, "name");
    let events = r.opt_str(de, "events");
    r.note("shift", Shape::Pattern(TIME_OFFSET));
    let shift = r.opt_str(de, "shift");
    r.note("latest", Shape::Pattern(TIME_OFFSET));
    let latest = r.opt_str(de, "latest");
    for v in [&shift, &latest].into_iter().flatten() {
        if time_offset(&v.value).is_none() {
            constraint(
                de,
                v.span,
                format!("`{}` is not a time offset", v.value),
                "write a sign, a whole number and a unit: `-8d`, `+1h`, `+30m`, `+90s`, `+2w`",
            );
        }
    }
    let reset_state = r.opt_bool(de, "reset_state");
    let expectation = expectation(de, &mut r);
    r.finish(de);
    Some(TimelineRun {
        span,
        name,
        events,
        shift,
        latest,
        reset_state,
        expectation,
    })
}

/// The JSON Schema pattern of a timeline run's `shift` and `latest`.
const TIME_OFFSET: &str = r"^[+-][0-9]+[smhdw]$";

/// A timeline offset (`-8d`, `+1h`: sign, whole number, unit `s m h d w`)
/// in seconds; `None` when it is not one.
pub fn time_offset(s: &str) -> Option<i64> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let unit = match rest.chars().last()? {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 604_800,
        _ => return None,
    };
    let n: i64 = rest[..rest.len() - 1].parse().ok()?;
    n.checked_mul(unit)?.checked_mul(sign)
}
