//! Throughput through the protocol: 1,000,000 rows x 6 fields in 50,000-row
//! chunks, sent by the Rust harness to the release `firstseen` binary in lock
//! step, as splunkd would. Prints rows/s for firstseen (output=new and
//! output=all) beside, from the same run, a raw echo with no CSV parsing (the
//! pipe floor) and, when `FIRSTSEEN_BENCH_PYTHON` names a Python with
//! splunk-sdk installed (scripts/bench-firstseen.sh sets one up), splunklib's
//! pass-through streaming command.
//!
//! Target (issue): at least 2,000,000 rows/s for firstseen.
//! Run: `cargo bench -p firstseen --bench protocol`

use splunk_chunked::harness::{Session, execute_meta, getinfo_meta, splunkd_body};
use std::process::Command;
use std::time::{Duration, Instant};

const ROWS: usize = 1_000_000;
const CHUNK: usize = 50_000;

fn chunks() -> Vec<Vec<u8>> {
    let header = ["_time", "user", "command", "src", "status", "region"];
    let mut out = Vec::new();
    let mut i = 0;
    while i < ROWS {
        let rows: Vec<Vec<String>> = (i..(i + CHUNK).min(ROWS))
            .map(|r| {
                vec![
                    format!("{}.{:03}", 1_689_000_000 + r / 20, r % 1000),
                    format!("user{}@corp.example.com", r % 5_000),
                    format!("ec2:Describe{}", r % 40),
                    format!("10.{}.{}.{}", r % 7, r % 250, r % 13),
                    "success".to_string(),
                    "us-east-1".to_string(),
                ]
            })
            .collect();
        out.push(splunkd_body(&header, &rows));
        i += CHUNK;
    }
    out
}

/// Sends getinfo and every chunk; returns the execute-only time (sending each
/// chunk until its reply is read) and the rows returned.
fn drive(cmd: &mut Command, args: &[&str], chunks: &[Vec<u8>]) -> (Duration, usize) {
    let mut s = Session::spawn(cmd).expect("spawn");
    s.send(&getinfo_meta(args, None, Some(1_689_100_000.0), false), b"")
        .expect("getinfo");
    let mut t = Duration::ZERO;
    let mut rows = 0;
    for (i, c) in chunks.iter().enumerate() {
        let start = Instant::now();
        let r = s
            .send(&execute_meta(i + 1 == chunks.len()), c)
            .expect("reply");
        t += start.elapsed();
        rows += r
            .body
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            .saturating_sub(1);
        if let Some(e) = r.meta.get("error") {
            panic!("command failed: {e}");
        }
    }
    let exit = s.finish().expect("exit");
    assert_eq!(exit.code, Some(0), "{}", exit.stderr);
    (t, rows)
}

fn report(name: &str, runs: &[(Duration, usize)]) {
    let mut secs: Vec<f64> = runs.iter().map(|r| r.0.as_secs_f64()).collect();
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    println!(
        "{name:<44} median {:>7.3} s  {:>10.0} rows/s  (best {:.0} rows/s, {} rows out)",
        median,
        ROWS as f64 / median,
        ROWS as f64 / secs[0],
        runs[0].1
    );
}

const RAW_ECHO: &str = r#"
import sys, re
i, o = sys.stdin.buffer, sys.stdout.buffer
while True:
    h = i.readline()
    if not h: break
    m, b = map(int, re.match(rb"chunked 1.0,(\d+),(\d+)", h).groups())
    meta = i.read(m); body = i.read(b)
    fin = b'"finished":true' in meta.replace(b" ", b"")
    rm = b'{"finished":true}' if fin else b'{"finished":false}'
    if b'getinfo' in meta: rm, body = b'{"type":"streaming"}', b''
    o.write(b"chunked 1.0,%d,%d\n" % (len(rm), len(body)) + rm + body); o.flush()
"#;

const SPLUNKLIB_PASSTHRU: &str = r#"
import sys
from splunklib.searchcommands import dispatch, StreamingCommand, Configuration
@Configuration()
class PassThru(StreamingCommand):
    def stream(self, records):
        for r in records:
            yield r
dispatch(PassThru, sys.argv, sys.stdin, sys.stdout, __name__)
"#;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let chunks = chunks();
    let mb: usize = chunks.iter().map(Vec::len).sum::<usize>() >> 20;
    println!(
        "firstseen protocol benchmark: {ROWS} rows x 6 fields, {} chunks of {CHUNK}, {mb} MiB of CSV",
        chunks.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = env!("CARGO_BIN_EXE_firstseen");
    let runs = 5;
    for (name, extra) in [
        ("firstseen output=new (new rows only)", "output=new"),
        ("firstseen output=all (every row annotated)", "output=all"),
    ] {
        let mut results = Vec::new();
        for r in 0..runs {
            let lookup = format!("lookup=bench{r}_{}", extra.len());
            let args = [lookup.as_str(), "key=user,command", "window=-24h", extra];
            let mut cmd = Command::new(exe);
            cmd.env("FIRSTSEEN_LOOKUPS_DIR", dir.path())
                .env("FIRSTSEEN_NO_SPLUNKD", "1");
            results.push(drive(&mut cmd, &args, &chunks));
        }
        report(name, &results);
    }
    let mut results = Vec::new();
    for _ in 0..3 {
        results.push(drive(
            Command::new("python3").args(["-c", RAW_ECHO]),
            &[],
            &chunks,
        ));
    }
    report("peer: Python raw echo, no CSV parsing (floor)", &results);
    if let Ok(py) = std::env::var("FIRSTSEEN_BENCH_PYTHON") {
        let script = dir.path().join("passthru.py");
        std::fs::write(&script, SPLUNKLIB_PASSTHRU).expect("write");
        let r = drive(Command::new(&py).arg(&script), &[], &chunks);
        report("peer: splunklib pass-through StreamingCommand", &[r]);
    } else {
        println!(
            "peer: splunklib pass-through: not run (set FIRSTSEEN_BENCH_PYTHON or use scripts/bench-firstseen.sh); \
                  measured 112k-142k rows/s on this machine type (../shared/spec, §7)"
        );
    }
}
