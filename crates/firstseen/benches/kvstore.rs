//! KV store state at scale (`store=kvstore`): one search of 1,000 keys (500
//! already in the collection, 500 new) against a collection of 100,000 and
//! of 1,000,000 keys, with `min_history=` and `retention=`. The requests
//! and bytes of a run must not grow with the collection (issue #18): a run
//! reads its own keys' records, the earliest first-seen time, writes the
//! changed records and ages out by query. The peer, measured in the same
//! run, is the CSV store on a file of the same keys, which reads and
//! rewrites the whole state.
//!
//! The KV store is `../shared/splunkd/splunkd_sim.py` wrapped by
//! `kvstore_sim_indexed.py`, which answers `_key` lookups and the one-record
//! sorted query from an index as the real KV store does (MongoDB's `_id`
//! index and collections.conf `accelerated_fields`); the emulator itself
//! scans every record for every query. Skipped when `../shared` is absent.
//! Run: `cargo bench -p firstseen --bench kvstore`

use firstseen::engine::Tracker;
use firstseen::kvstore::KvStore;
use firstseen::options::Options;
use firstseen::splunkd::Splunkd;
use firstseen::state::CsvStore;
use splunk_chunked::Records;
use splunk_chunked::harness::splunkd_body;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const T0: f64 = 1_700_000_000.0;
const SEARCH: usize = 1_000;

fn search_body(n: usize) -> Vec<u8> {
    let t = T0 + 8.0 * 86_400.0 - 1_800.0;
    let rows: Vec<Vec<String>> = (0..SEARCH)
        .map(|j| {
            let user = if j % 2 == 0 {
                format!("u{}", j / 2 * (n / (SEARCH / 2)))
            } else {
                format!("new{j}")
            };
            vec![t.to_string(), user]
        })
        .collect();
    splunkd_body(&["_time", "user"], &rows)
}

fn options() -> Options {
    Options::parse(
        &[
            "lookup=seen",
            "store=kvstore",
            "key=user",
            "window=-24h@h",
            "min_history=-7d@d",
            "retention=-90d@d",
            "tz=UTC",
        ],
        true,
    )
    .expect("options")
}

/// One run against a store; (new keys, seconds).
fn run(store: &dyn firstseen::state::StateStore, n: usize) -> (usize, f64) {
    let mut tracker = Tracker::new(options());
    tracker
        .observe(Records::parse(&search_body(n)).expect("body"))
        .expect("observe");
    let start = Instant::now();
    let out = tracker
        .finish(store, T0 + 8.0 * 86_400.0, true)
        .expect("finish");
    (out.new_keys, start.elapsed().as_secs_f64())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/splunkd");
    if !shared.join("splunkd_sim.py").is_file() {
        println!("kvstore benchmark SKIPPED: {} is missing", shared.display());
        return;
    }
    let wrapper = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/kvstore_sim_indexed.py");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("sim.json");
    std::fs::write(
        &cfg,
        serde_json::json!({
            "session_keys": {KEY: "admin"},
            "apps": {"detc_app": {"collections": {"seen": {
                "fields": {"user": "string", "firstTimeSeen": "time", "lastTimeSeen": "time", "reportedTime": "time"}
            }}}}
        })
        .to_string(),
    )
    .expect("config");
    println!(
        "firstseen KV store benchmark: one search of {SEARCH} keys (half in the state), min_history and retention"
    );
    println!(
        "{:>10} {:>8} {:>9} {:>12} {:>9} | {:>14} {:>9}",
        "state keys", "store", "requests", "bytes", "seconds", "CSV bytes (peer)", "seconds"
    );
    let mut figures = Vec::new();
    for n in [100_000usize, 1_000_000] {
        let mut child = std::process::Command::new("python3")
            .arg(&wrapper)
            .arg(&shared)
            .args(["--prefill", &format!("detc_app/seen/{n}")])
            .args(["--port", "0", "--config"])
            .arg(&cfg)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        // Kept open while the emulator runs: a closed pipe would end it at
        // its next print.
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        stdout.read_line(&mut line).expect("LISTENING");
        let uri = line.trim().trim_start_matches("LISTENING ").to_string();
        let store = KvStore::new(Splunkd::new(&uri, KEY).expect("client"), "detc_app", "seen");
        let (new, secs) = run(&store, n);
        let (requests, bytes) = store.traffic();
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(new, SEARCH / 2, "the new keys are reported");

        // The peer: the same keys in a CSV state.
        let path = dir.path().join(format!("seen_{n}.csv"));
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).expect("csv"));
        writeln!(w, "user,firstTimeSeen,lastTimeSeen,enough_data").expect("write");
        for i in 0..n {
            writeln!(
                w,
                "u{i},{},{},1",
                T0 as u64 + (i % 86_400) as u64,
                T0 as u64 + 86_400
            )
            .expect("write");
        }
        w.flush().expect("flush");
        drop(w);
        let before = std::fs::metadata(&path).map_or(0, |m| m.len());
        let (csv_new, csv_secs) = run(&CsvStore::new(&path), n);
        let after = std::fs::metadata(&path).map_or(0, |m| m.len());
        assert_eq!(csv_new, SEARCH / 2);
        println!(
            "{n:>10} {:>8} {requests:>9} {bytes:>12} {secs:>9.3} | {:>16} {csv_secs:>9.3}",
            "kvstore",
            before + after
        );
        figures.push((requests, bytes));
    }
    let (r0, b0) = figures[0];
    let (r1, b1) = figures[1];
    let drift = (b1 as f64 - b0 as f64).abs() / b0 as f64;
    println!(
        "requests {r0} -> {r1}, bytes {b0} -> {b1} ({:.2}% apart): {}",
        drift * 100.0,
        if r0 == r1 && drift < 0.01 {
            "the same at 10x the keys: target met"
        } else {
            "they grow with the collection: target MISSED"
        }
    );
}
