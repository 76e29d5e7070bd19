//! Real CloudTrail rows, replayed as several searches split in time with the
//! state carried between them: firstseen must report exactly the keys that a
//! plain, independent computation over the same rows reports, each once:
//! a key already reported by an earlier search is not reported again when
//! a later window still covers its first appearance.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

type Key = (String, String);

fn load() -> Vec<(i64, String, String)> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/cloudtrail/invictus_user_api_calls.csv");
    let mut r = csv::Reader::from_path(p).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[0].parse().unwrap(),
                rec[1].to_string(),
                rec[2].to_string(),
            )
        })
        .collect()
}

/// The reference: keys of `batch` whose first appearance in all rows up to
/// `end` is at or after `window_start`.
fn expected(
    all: &[(i64, String, String)],
    end: i64,
    batch: &[(i64, String, String)],
    window_start: i64,
) -> BTreeSet<Key> {
    let mut first: BTreeMap<Key, i64> = BTreeMap::new();
    for (t, u, c) in all.iter().filter(|r| r.0 <= end) {
        let e = first.entry((u.clone(), c.clone())).or_insert(*t);
        *e = (*e).min(*t);
    }
    batch
        .iter()
        .map(|(_, u, c)| (u.clone(), c.clone()))
        .filter(|k| first[k] >= window_start)
        .collect()
}

fn to_csv(rows: &[(i64, String, String)]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["_time", "user", "command"]).unwrap();
    for (t, u, c) in rows {
        w.write_record([t.to_string(), u.clone(), c.clone()])
            .unwrap();
    }
    w.into_inner().unwrap()
}

fn replay(window: &str, window_start: impl Fn(i64) -> i64, batches: usize, output_all: bool) {
    let rows = load();
    assert_eq!(rows.len(), 2900);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.csv");
    let (t0, t1) = (rows[0].0, rows[rows.len() - 1].0);
    let mut total_new = 0;
    let mut reported: BTreeSet<Key> = BTreeSet::new();
    for b in 0..batches {
        // Search b covers (start, end]; the first one starts before all data.
        let start = if b == 0 {
            i64::MIN
        } else {
            t0 + (t1 - t0) * b as i64 / batches as i64
        };
        let end = t0 + (t1 - t0) * (b as i64 + 1) / batches as i64;
        let batch: Vec<_> = rows
            .iter()
            .filter(|r| r.0 > start && r.0 <= end)
            .cloned()
            .collect();
        let mut args = vec![
            "key=user,command".to_string(),
            format!("window={window}"),
            "tz=UTC".to_string(),
        ];
        if output_all {
            args.push("output=all".to_string());
        }
        let out =
            firstseen::standalone::run(&args, &to_csv(&batch), &state, Some(end as f64)).unwrap();
        let mut rdr = csv::Reader::from_reader(&out.body[..]);
        let h = rdr.headers().cloned().unwrap_or_default();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        let got: BTreeSet<Key> = if out.body.is_empty() {
            BTreeSet::new()
        } else {
            let (u, c, n) = (col("user"), col("command"), col("isNew"));
            rdr.records()
                .map(Result::unwrap)
                .filter(|r| &r[n] == "1")
                .map(|r| (r[u].to_string(), r[c].to_string()))
                .collect()
        };
        let want: BTreeSet<Key> = expected(&rows, end, &batch, window_start(end))
            .difference(&reported)
            .cloned()
            .collect();
        reported.extend(want.iter().cloned());
        assert_eq!(got, want, "window {window}, search {b} of {batches}");
        assert_eq!(out.new_keys, want.len());
        total_new += want.len();
    }
    assert!(
        total_new > 20,
        "the replay must exercise new keys, got {total_new}"
    );
    // The final state holds every key with its true first and last time.
    let text = std::fs::read_to_string(&state).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut seen: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for (t, u, c) in &rows {
        let e = seen.entry((u.clone(), c.clone())).or_insert((*t, *t));
        e.0 = e.0.min(*t);
        e.1 = e.1.max(*t);
    }
    let stored: BTreeMap<Key, (i64, i64)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                (r[0].to_string(), r[1].to_string()),
                (r[2].parse().unwrap(), r[3].parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(stored, seen);
}

#[test]
fn fifteen_minute_window_over_four_searches() {
    replay("-15m", |end| end - 900, 4, false);
}

#[test]
fn snapped_window_over_seven_searches_annotating_every_row() {
    replay("-20m@m", |end| (end - 1200).div_euclid(60) * 60, 7, true);
}

#[test]
fn one_search_over_everything_with_a_hour_window_reports_every_key() {
    // The whole dataset spans 55 minutes: every key is new.
    replay("-1h", |end| end - 3600, 1, false);
}
