//! Each new key raises one finding (#18): an Anomaly detection runs every
//! hour over `window=-24h@h`, so a key first seen at 10:05 is inside the
//! window of the next 24 runs; it must be reported by the first of them
//! only. An analyst who re-runs that first search with `update=false` over
//! the same time range sees the same finding; a re-run over another range
//! does not report it again.

use std::path::Path;

/// One search: `rows` of (time, user), reference time `latest`; the users
/// reported as new.
fn search(state: &Path, rows: &[(i64, &str)], latest: i64, update: bool) -> Vec<String> {
    let mut input = String::from("_time,user\n");
    for (t, u) in rows {
        input.push_str(&format!("{t},{u}\n"));
    }
    let mut args = vec![
        "key=user".to_string(),
        "window=-24h@h".to_string(),
        "tz=UTC".to_string(),
        "output=all".to_string(),
    ];
    if !update {
        args.push("update=false".to_string());
    }
    let out =
        firstseen::standalone::run(&args, input.as_bytes(), state, Some(latest as f64)).unwrap();
    let mut rdr = csv::Reader::from_reader(&out.body[..]);
    let Ok(h) = rdr.headers().cloned() else {
        return Vec::new();
    };
    let (u, n) = (
        h.iter().position(|x| x == "user").unwrap(),
        h.iter().position(|x| x == "isNew").unwrap(),
    );
    let mut users: Vec<String> = rdr
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[n] == "1")
        .map(|r| r[u].to_string())
        .collect();
    users.sort();
    users.dedup();
    users
}

#[test]
fn a_new_key_is_reported_once_over_24_hourly_runs_and_again_by_a_rerun_of_the_same_range() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("seen.csv");
    let day0 = 1_700_000_000 - 1_700_000_000 % 86_400; // a UTC midnight
    // A week of history: alice every hour.
    let history: Vec<(i64, &str)> = (0..7 * 24).map(|h| (day0 + h * 3600, "alice")).collect();
    search(&state, &history, day0 + 7 * 86_400 - 1, true);
    let start = day0 + 7 * 86_400;
    // mallory appears at 10:05 on day 7 and then every hour; each hourly
    // run searches the last hour and firstseen's window is -24h@h.
    let mut reports = Vec::new();
    for h in 0..24 {
        let latest = start + (10 + h) * 3600 + 3600;
        let rows = [(latest - 3300, "mallory"), (latest - 3000, "alice")];
        let new = search(&state, &rows, latest, true);
        reports.push((h, new));
    }
    let reported: Vec<i64> = reports
        .iter()
        .filter(|(_, n)| n.contains(&"mallory".to_string()))
        .map(|(h, _)| *h)
        .collect();
    assert_eq!(reported, [0], "{reports:?}");
    assert!(
        reports
            .iter()
            .all(|(_, n)| !n.contains(&"alice".to_string()))
    );

    // The analyst re-runs the first search, over the same range, read only.
    let first_latest = start + 11 * 3600;
    let rows = [(first_latest - 3300, "mallory")];
    assert_eq!(search(&state, &rows, first_latest, false), ["mallory"]);
    // ... and over another range: not new again.
    assert!(search(&state, &rows, first_latest + 1800, false).is_empty());
    // The read-only re-runs changed nothing: the next scheduled run is quiet.
    let next = start + 35 * 3600;
    assert!(search(&state, &[(next - 100, "mallory")], next, true).is_empty());
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(
        text.lines()
            // `firstseen run` has no search string: reportedBy stays empty.
            .any(|l| l.starts_with("mallory,") && l.ends_with(&format!(",{first_latest},"))),
        "{text}"
    );
}
