//! firstseen with its state in the KV store (`store=kvstore`), driven over
//! pipes as splunkd drives it, against `../shared/splunkd/splunkd_sim.py`,
//! an independent emulator of splunkd's KV store REST API (users, roles,
//! collection permissions, limits, faults). Each test starts its own
//! emulator on a free port. Without `../shared` or python3 the tests are
//! skipped outside CI, saying so, and fail under CI (`detc_testkit`).

use serde_json::{Value, json};
use splunk_chunked::harness::{ReplyChunk, Session, execute_meta, getinfo_meta, splunkd_body};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const APP: &str = "detc_app";
const ADMIN_KEY: &str = "0123456789abcdef0123456789abcdef";
const ANALYST_KEY: &str = "fedcba9876543210fedcba9876543210";
const DAY0: f64 = 1_699_920_000.0; // 2023-11-14T00:00:00Z, a UTC midnight

/// The emulator in `../shared`, with a python3 to run it; `None` (the test
/// is skipped, saying so) outside CI when either is missing.
fn emulator_script() -> Option<PathBuf> {
    let script = detc_testkit::shared("splunkd/splunkd_sim.py")?;
    detc_testkit::python3()?;
    Some(script)
}

/// A running emulator; killed when dropped.
struct Splunkd {
    child: Child,
    /// Its standard output, kept open: the emulator prints more lines after
    /// `LISTENING` (`CERT <path>` with `--tls`), and a closed pipe would
    /// kill it.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
    uri: String,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Splunkd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Splunkd {
    /// Starts the emulator with a `detc_app` holding the collections
    /// `seen` (readable by all, writable by admin and ess_admin, as `detc
    /// build` declares them), an `admin` and an `analyst` (role `user`),
    /// and `extra` command-line options. `None` (the test is skipped) when
    /// the emulator is not beside this repository.
    fn start(extra: &[&str]) -> Option<Splunkd> {
        let script = emulator_script()?;
        let dir = tempfile::tempdir().unwrap();
        let fields = json!({"user": "string", "firstTimeSeen": "time", "lastTimeSeen": "time", "reportedTime": "time"});
        let acl = json!({"read": ["*"], "write": ["admin", "ess_admin"]});
        let config = json!({
            "users": {
                "admin": {"password": "changeme", "roles": ["admin"]},
                "analyst": {"password": "pw", "roles": ["user"]},
            },
            "roles": {
                "admin": {"capabilities": ["admin_all_objects", "edit_firstseen_state"], "imported_roles": ["user"]},
                "user": {"capabilities": ["search"]},
            },
            "session_keys": {ADMIN_KEY: "admin", ANALYST_KEY: "analyst"},
            "apps": {APP: {"collections": {
                "seen": {"fields": fields, "acl": acl},
                "pairs": {"acl": acl},
            }}},
        });
        let cfg = dir.path().join("sim.json");
        std::fs::write(&cfg, config.to_string()).unwrap();
        let log = dir.path().join("requests.jsonl");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", "0", "--seed", "7", "--config"])
            .arg(&cfg)
            .arg("--log")
            .arg(&log)
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the emulator");
        let mut line = String::new();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let uri = line.trim().strip_prefix("LISTENING ").unwrap().to_string();
        Some(Splunkd {
            child,
            _stdout: stdout,
            uri,
            _dir: dir,
            log,
        })
    }

    /// The collection's records, read as admin.
    fn records(&self, collection: &str) -> Vec<Value> {
        let url = format!(
            "{}/servicesNS/nobody/{APP}/storage/collections/data/{collection}",
            self.uri
        );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(true)
                    .build(),
            )
            .build()
            .into();
        let mut resp = agent
            .get(&url)
            .header("Authorization", format!("Splunk {ADMIN_KEY}"))
            .call()
            .unwrap();
        serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// Users in the collection with their first-seen times, sorted. Every
    /// run that wrote has released the collection's lock.
    fn users(&self) -> Vec<(String, f64)> {
        let records = self.records("seen");
        assert!(
            !records.iter().any(|r| r["_key"] == "firstseen.lock"),
            "a lock was left behind: {records:?}"
        );
        let mut v: Vec<(String, f64)> = records
            .iter()
            .map(|r| {
                (
                    r["user"].as_str().unwrap().to_string(),
                    r["firstTimeSeen"].as_f64().unwrap(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Logged requests whose path ends with `tail`.
    fn requests_to(&self, tail: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| {
                serde_json::from_str::<Value>(l)
                    .ok()
                    .and_then(|v| v["path"].as_str().map(|p| p.ends_with(tail)))
                    .unwrap_or(false)
            })
            .count()
    }
}

/// What one search gave back.
struct Run {
    /// Users reported as new, sorted.
    new: Vec<String>,
    /// Every message, `LEVEL: text`.
    messages: Vec<String>,
    /// Whether the command answered with an error.
    failed: bool,
}

/// Drives one search through the firstseen binary as splunkd does: getinfo
/// with `args`, `uri` and session `key`, then one finished chunk of `rows`
/// under `header` (not sent when getinfo already failed). `env` is added to
/// the command's environment. Returns every reply and the exit code.
fn drive(
    uri: &str,
    key: &str,
    args: &[&str],
    header: &[&str],
    rows: &[Vec<String>],
    latest: f64,
    env: &[(&str, &std::ffi::OsStr)],
) -> (Vec<ReplyChunk>, Option<i32>) {
    drive_as(uri, key, args, header, rows, latest, env, None)
}

/// [`drive`] with `search_text` as getinfo's `searchinfo.search` (the
/// search string that tells detections apart), when given.
#[allow(clippy::too_many_arguments)]
fn drive_as(
    uri: &str,
    key: &str,
    args: &[&str],
    header: &[&str],
    rows: &[Vec<String>],
    latest: f64,
    env: &[(&str, &std::ffi::OsStr)],
    search_text: Option<&str>,
) -> (Vec<ReplyChunk>, Option<i32>) {
    let mut meta: Value =
        serde_json::from_slice(&getinfo_meta(args, None, Some(latest), false)).unwrap();
    meta["searchinfo"]["splunkd_uri"] = json!(uri);
    meta["searchinfo"]["session_key"] = json!(key);
    if let Some(text) = search_text {
        meta["searchinfo"]["search"] = json!(text);
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_firstseen"));
    cmd.env("FIRSTSEEN_APP", APP).env("TZ", "UTC");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut s = Session::spawn(&mut cmd).unwrap();
    let mut replies = vec![s.send(meta.to_string().as_bytes(), b"").unwrap()];
    if !replies[0].finished() {
        replies.push(
            s.send(&execute_meta(true), &splunkd_body(header, rows))
                .unwrap(),
        );
    }
    let exit = s.finish().unwrap();
    (replies, exit.code)
}

/// One search of `rows` (time, user) through the firstseen binary, as the
/// user whose session key is `key`, with `args` after `lookup=seen
/// store=kvstore key=user`.
fn search(uri: &str, key: &str, rows: &[(f64, &str)], latest: f64, args: &[&str]) -> Run {
    search_as(uri, key, rows, latest, args, None)
}

/// [`search`] as the search whose string is `search_text`.
fn search_as(
    uri: &str,
    key: &str,
    rows: &[(f64, &str)],
    latest: f64,
    args: &[&str],
    search_text: Option<&str>,
) -> Run {
    let mut all = vec!["lookup=seen", "store=kvstore", "key=user", "output=all"];
    all.extend_from_slice(args);
    let lookups = tempfile::tempdir().unwrap();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|(t, u)| vec![t.to_string(), u.to_string()])
        .collect();
    let (replies, code) = drive_as(
        uri,
        key,
        &all,
        &["_time", "user"],
        &body,
        latest,
        &[("FIRSTSEEN_LOOKUPS_DIR", lookups.path().as_os_str())],
        search_text,
    );
    let last = replies.last().unwrap();
    let messages: Vec<String> = replies
        .iter()
        .flat_map(|r| r.messages())
        .map(|(l, t)| format!("{l}: {t}"))
        .collect();
    let failed = last.meta.get("error").is_some() || code != Some(0);
    let rows = last.rows();
    let mut new = Vec::new();
    if let Some(h) = rows.first() {
        let u = h.iter().position(|x| x == "user").unwrap();
        let n = h.iter().position(|x| x == "isNew").unwrap();
        for r in &rows[1..] {
            if r[n] == "1" {
                new.push(r[u].clone());
            }
        }
    }
    new.sort();
    new.dedup();
    Run {
        new,
        messages,
        failed,
    }
}

/// A week of history: alice and bob every 6 hours before `DAY0 + 7 days`.
fn history() -> Vec<(f64, &'static str)> {
    (0..28)
        .flat_map(|i| {
            let t = DAY0 + i as f64 * 21_600.0;
            [(t, "alice"), (t + 60.0, "bob")]
        })
        .collect()
}

const WEEK: f64 = 7.0 * 86_400.0;

#[test]
fn two_search_head_members_share_one_history() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    // Member 1 builds the history, then sees mallory for the first time.
    let r = search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    assert!(!r.failed, "{:?}", r.messages);
    let t = DAY0 + WEEK + 3600.0;
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t, "mallory"), (t, "alice")],
        t + 60.0,
        &[],
    );
    assert_eq!(r.new, ["mallory"], "{:?}", r.messages);
    // Member 2 (another process, another lookups folder, the same KV
    // store) an hour later: mallory is not new there.
    let t2 = t + 3600.0;
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t2, "mallory"), (t2, "trudy")],
        t2 + 60.0,
        &[],
    );
    assert_eq!(r.new, ["trudy"], "{:?}", r.messages);
    let users = sd.users();
    assert_eq!(
        users.iter().map(|(u, _)| u.as_str()).collect::<Vec<_>>(),
        ["alice", "bob", "mallory", "trudy"]
    );
    assert_eq!(users[2].1, t, "mallory keeps the time member 1 first saw");
    // Records are keyed as the docs say, so SPL can compute the key.
    let rec = sd
        .records("seen")
        .into_iter()
        .find(|r| r["user"] == "mallory")
        .unwrap();
    assert_eq!(
        rec["_key"].as_str().unwrap(),
        firstseen::kvstore::record_key(["mallory"])
    );
    assert!(
        r.messages
            .iter()
            .any(|m| m.contains("keys written to KV store collection seen (app detc_app)")),
        "{:?}",
        r.messages
    );
}

#[test]
fn a_user_without_write_permission_cannot_change_the_state_but_can_read_it() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    let before = sd.users();
    let t = DAY0 + WEEK + 3600.0;
    for args in [
        &[][..],
        &["retention=now"][..],
        &["update=true", "window=-1y"][..],
    ] {
        let r = search(&sd.uri, ANALYST_KEY, &[(t, "mallory")], t + 60.0, args);
        assert!(r.failed, "{args:?} was accepted: {:?}", r.messages);
        let all = r.messages.join("\n");
        assert!(
            all.contains("may not change the first-seen state") && all.contains("update=false"),
            "{all}"
        );
        assert_eq!(sd.users(), before, "{args:?} changed the state");
    }
    // Reading works, and shows what a write would have reported.
    let r = search(
        &sd.uri,
        ANALYST_KEY,
        &[(t, "mallory"), (t, "alice")],
        t + 60.0,
        &["update=false"],
    );
    assert!(!r.failed, "{:?}", r.messages);
    assert_eq!(r.new, ["mallory"]);
    assert_eq!(sd.users(), before);
}

#[test]
fn a_new_key_is_reported_once_over_24_hourly_runs() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    let start = DAY0 + WEEK;
    let mut reported = Vec::new();
    for h in 0..24 {
        let latest = start + (10 + h) as f64 * 3600.0 + 3600.0;
        let rows = [(latest - 3300.0, "mallory"), (latest - 3000.0, "alice")];
        let r = search(&sd.uri, ADMIN_KEY, &rows, latest, &["window=-24h@h"]);
        assert!(!r.failed, "{:?}", r.messages);
        if r.new.contains(&"mallory".to_string()) {
            reported.push(h);
        }
        assert!(!r.new.contains(&"alice".to_string()));
    }
    assert_eq!(reported, [0]);
    // The analyst's re-run of the first search, read only: the same finding.
    let first = start + 11.0 * 3600.0;
    let r = search(
        &sd.uri,
        ANALYST_KEY,
        &[(first - 3300.0, "mallory")],
        first,
        &["update=false", "window=-24h@h"],
    );
    assert_eq!(r.new, ["mallory"], "{:?}", r.messages);
}

#[test]
fn min_history_uses_the_whole_collection_and_retention_ages_out() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    let t = DAY0 + WEEK + 3600.0;
    // Only mallory is in this search, yet the collection reaches back a
    // week: the history is enough.
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t, "mallory")],
        t + 60.0,
        &["min_history=-7d@d"],
    );
    assert_eq!(r.new, ["mallory"], "{:?}", r.messages);
    // Not enough for 30 days.
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t, "trudy")],
        t + 60.0,
        &["min_history=-30d@d"],
    );
    assert!(r.new.is_empty(), "{:?}", r.messages);
    // Keys last seen before DAY0 + 6.5 days are dropped; mallory and
    // trudy (seen after) and the keys seen since stay.
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t, "trudy")],
        t + 60.0,
        &["retention=-1d"],
    );
    assert!(!r.failed, "{:?}", r.messages);
    assert!(
        r.messages
            .iter()
            .any(|m| m.contains(", 0 aged out (last seen before")),
        "{:?}",
        r.messages
    );
    let users: Vec<String> = sd.users().into_iter().map(|(u, _)| u).collect();
    assert_eq!(users, ["alice", "bob", "mallory", "trudy"]);
    let r = search(
        &sd.uri,
        ADMIN_KEY,
        &[(t + 10.0 * 86_400.0, "trudy")],
        t + 10.0 * 86_400.0,
        &["retention=-1d"],
    );
    assert!(!r.failed, "{:?}", r.messages);
    assert!(
        r.messages
            .iter()
            .any(|m| m.contains(", 3 aged out (last seen before")),
        "{:?}",
        r.messages
    );
    let users: Vec<String> = sd.users().into_iter().map(|(u, _)| u).collect();
    assert_eq!(users, ["trudy"]);
    // Everything aged out, this search's own key too: the count says so.
    let far = t + 30.0 * 86_400.0;
    let r = search(&sd.uri, ADMIN_KEY, &[(t, "trudy")], far, &["retention=-1d"]);
    assert!(
        r.messages
            .iter()
            .any(|m| m.contains("; 0 keys written to") && m.contains(", 1 aged out")),
        "{:?}",
        r.messages
    );
    assert!(sd.users().is_empty());
}

#[test]
fn writes_stay_within_the_batch_limits_and_only_changed_keys_are_written() {
    let Some(sd) = Splunkd::start(&["--limits", "max_documents_per_batch_save=10"]) else {
        return;
    };
    let rows: Vec<(f64, String)> = (0..35)
        .map(|i| (DAY0 + i as f64, format!("user{i:02}")))
        .collect();
    let rows: Vec<(f64, &str)> = rows.iter().map(|(t, u)| (*t, u.as_str())).collect();
    let r = search(&sd.uri, ADMIN_KEY, &rows, DAY0 + 100.0, &[]);
    assert!(!r.failed, "{:?}", r.messages);
    assert_eq!(sd.users().len(), 35);
    assert_eq!(
        sd.requests_to("/batch_save"),
        4,
        "35 records in batches of 10"
    );
    // The same rows again: nothing changed, nothing written.
    let r = search(&sd.uri, ADMIN_KEY, &rows, DAY0 + 100.0, &[]);
    assert!(
        r.messages.iter().any(|m| m.contains("; 0 keys written to")),
        "{:?}",
        r.messages
    );
    assert_eq!(sd.requests_to("/batch_save"), 4);
}

#[test]
#[ignore = "slow suite (about 15 s, the retry schedule or 8 searches x 10 rounds): CI runs it with `cargo test --workspace --locked -- --ignored`"]
fn faults_are_retried_and_lose_no_key() {
    let Some(sd) = Splunkd::start(&["--fail-rate", "0.25", "--drop-rate", "0.1"]) else {
        return;
    };
    let Some(clean) = Splunkd::start(&[]) else {
        return;
    };
    let t = DAY0 + WEEK + 3600.0;
    for s in [&sd, &clean] {
        let r = search(&s.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
        assert!(!r.failed, "{:?}", r.messages);
        let r = search(
            &s.uri,
            ADMIN_KEY,
            &[(t, "mallory"), (t, "bob")],
            t + 60.0,
            &[],
        );
        assert!(!r.failed, "{:?}", r.messages);
        assert_eq!(r.new, ["mallory"]);
    }
    assert_eq!(sd.users(), clean.users());
}

#[test]
#[ignore = "slow suite (about 15 s, the retry schedule or 8 searches x 10 rounds): CI runs it with `cargo test --workspace --locked -- --ignored`"]
fn an_unreachable_splunkd_or_a_missing_collection_is_an_error_splunk_shows() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    let t = DAY0 + 3600.0;
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let r = search(&closed, ADMIN_KEY, &[(t, "alice")], t + 60.0, &[]);
    assert!(r.failed);
    assert!(
        r.messages.iter().any(|m| m.starts_with("ERROR")
            && m.contains("did not answer")
            && m.contains("after 5 tries")),
        "{:?}",
        r.messages
    );
    let mut meta_args = vec!["lookup=nosuch", "store=kvstore", "key=user"];
    meta_args.push("output=all");
    let (replies, _) = drive(
        &sd.uri,
        ADMIN_KEY,
        &meta_args,
        &["_time", "user"],
        &[vec![t.to_string(), "alice".into()]],
        t + 60.0,
        &[],
    );
    let r = replies.last().unwrap();
    let text: Vec<String> = r.messages().into_iter().map(|(_, t)| t).collect();
    assert!(
        text.iter()
            .any(|m| m.contains("nosuch") && m.contains("collections.conf")),
        "{text:?}"
    );
}

#[test]
fn csv_writes_need_the_capability_that_the_app_defines() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    let lookups = tempfile::tempdir().unwrap();
    let t = DAY0 + 3600.0;
    let run = |key: &str, args: &[&str]| -> Vec<(String, String)> {
        let mut all = vec!["lookup=seen_csv", "key=user", "output=all"];
        all.extend_from_slice(args);
        let (replies, _) = drive(
            &sd.uri,
            key,
            &all,
            &["_time", "user"],
            &[vec![t.to_string(), "alice".into()]],
            t + 60.0,
            &[("FIRSTSEEN_LOOKUPS_DIR", lookups.path().as_os_str())],
        );
        replies.last().unwrap().messages()
    };
    let state = lookups.path().join("seen_csv.csv");
    let m = run(ANALYST_KEY, &[]);
    assert!(
        m.iter().any(|(l, t)| l == "ERROR"
            && t.contains("edit_firstseen_state")
            && t.contains("update=false")),
        "{m:?}"
    );
    assert!(!state.exists(), "a refused user created the state");
    let m = run(ANALYST_KEY, &["update=false"]);
    assert!(m.iter().all(|(l, _)| l != "ERROR"), "{m:?}");
    assert!(!state.exists());
    let m = run(ADMIN_KEY, &[]);
    assert!(m.iter().all(|(l, _)| l != "ERROR"), "{m:?}");
    assert!(std::fs::read_to_string(&state).unwrap().contains("alice"));
}

#[test]
fn splunkd_over_https_with_a_certificate_no_public_ca_signed() {
    // splunkd's management port uses a certificate signed by Splunk's own
    // CA; the emulator makes a self-signed one. firstseen connects as
    // Splunk's SDKs do (crate::splunkd's module doc).
    let Some(sd) = Splunkd::start(&["--tls"]) else {
        return;
    };
    assert!(sd.uri.starts_with("https://"), "{}", sd.uri);
    let t = DAY0 + 3600.0;
    let r = search(&sd.uri, ADMIN_KEY, &[(t, "alice")], t + 60.0, &[]);
    assert!(!r.failed, "{:?}", r.messages);
    assert_eq!(r.new, ["alice"]);
}

#[test]
fn keys_of_several_fields_with_any_text_round_trip() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    let t = DAY0 + 3600.0;
    let rows: Vec<Vec<String>> = [
        ("élodie", "s3:GetObject"),
        ("bob", "Get\"Thing,1"),
        ("multi\nline", "x"),
        ("a:b", "c"),
        ("a", "b:c"),
    ]
    .iter()
    .map(|(u, c)| vec![t.to_string(), u.to_string(), c.to_string()])
    .collect();
    let run = || {
        let args = [
            "lookup=pairs",
            "store=kvstore",
            "key=user,command",
            "output=all",
        ];
        let (replies, _) = drive(
            &sd.uri,
            ADMIN_KEY,
            &args,
            &["_time", "user", "command"],
            &rows,
            t + 60.0,
            &[],
        );
        let r = replies.last().unwrap();
        let out = r.rows();
        let n = out[0].iter().position(|x| x == "isNew").unwrap();
        out[1..].iter().filter(|r| r[n] == "1").count()
    };
    assert_eq!(run(), 5, "every key is new the first time");
    assert_eq!(run(), 5, "a re-run over the same range reports them again");
    let records = sd.records("pairs");
    assert_eq!(records.len(), 5, "{records:?}");
    for r in &records {
        let (u, c) = (r["user"].as_str().unwrap(), r["command"].as_str().unwrap());
        assert_eq!(
            r["_key"].as_str().unwrap(),
            firstseen::kvstore::record_key([u, c]),
            "{r}"
        );
    }
    assert!(records.iter().any(|r| r["user"] == "multi\nline"));
    assert!(records.iter().any(|r| r["command"] == "Get\"Thing,1"));
}

/// The case: 8 searches (8 detections sharing one collection, or
/// members of a search head cluster) at once, in 10 rounds. Each round
/// brings 5 new users, which every search sees at its own times, and each
/// search also sees the users of the round before and the old history. All
/// 8 of a round have the same time range (the same cron schedule), so only
/// the lock and `reportedBy` keep them from reporting a key twice.
#[test]
#[ignore = "slow suite (about 15 s, the retry schedule or 8 searches x 10 rounds): CI runs it with `cargo test --workspace --locked -- --ignored`"]
fn eight_concurrent_searches_report_each_new_key_once_with_the_earliest_and_latest_times() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    let r = search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    assert!(!r.failed, "{:?}", r.messages);
    const SEARCHES: usize = 8;
    const ROUNDS: usize = 10;
    let mut reported: std::collections::BTreeMap<String, usize> = Default::default();
    // Every user's earliest and latest time over all rows sent.
    let mut span: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for (t, u) in history() {
        let e = span.entry(u.to_string()).or_insert((t, t));
        *e = (e.0.min(t), e.1.max(t));
    }
    for round in 0..ROUNDS {
        let start = DAY0 + WEEK + round as f64 * 3600.0;
        let latest = start + 3600.0;
        let rows_of = |s: usize| -> Vec<(f64, String)> {
            let mut rows = Vec::new();
            for j in 0..5 {
                // Search s sees the round's users at times of its own.
                let t = start + 60.0 * (1 + (s * 7 + j * 3) % SEARCHES) as f64;
                rows.push((t, format!("r{round}u{j}")));
                rows.push((t + 120.0 + s as f64, format!("r{round}u{j}")));
                if round > 0 {
                    rows.push((t, format!("r{}u{j}", round - 1)));
                }
            }
            rows.push((start + 30.0 * s as f64, "alice".to_string()));
            rows
        };
        for s in 0..SEARCHES {
            for (t, u) in rows_of(s) {
                let e = span.entry(u).or_insert((t, t));
                *e = (e.0.min(t), e.1.max(t));
            }
        }
        let runs: Vec<Run> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..SEARCHES)
                .map(|s| {
                    let rows = rows_of(s);
                    let uri = sd.uri.clone();
                    scope.spawn(move || {
                        let rows: Vec<(f64, &str)> =
                            rows.iter().map(|(t, u)| (*t, u.as_str())).collect();
                        let text = format!(
                            "search index=main sourcetype=detection{s} | firstseen lookup=seen"
                        );
                        search_as(&uri, ADMIN_KEY, &rows, latest, &[], Some(&text))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in &runs {
            assert!(!r.failed, "round {round}: {:?}", r.messages);
            for u in &r.new {
                *reported.entry(u.clone()).or_default() += 1;
            }
        }
    }
    let expected: std::collections::BTreeMap<String, usize> = (0..ROUNDS)
        .flat_map(|r| (0..5).map(move |j| (format!("r{r}u{j}"), 1)))
        .collect();
    assert_eq!(
        reported, expected,
        "each new user reported by exactly one search"
    );
    let records = sd.records("seen");
    assert!(!records.iter().any(|r| r["_key"] == "firstseen.lock"));
    assert_eq!(records.len(), span.len(), "{records:?}");
    for r in &records {
        let u = r["user"].as_str().unwrap();
        let (first, last) = span[u];
        assert_eq!(
            r["firstTimeSeen"].as_f64(),
            Some(first),
            "{u}: the earliest of all writers"
        );
        assert_eq!(
            r["lastTimeSeen"].as_f64(),
            Some(last),
            "{u}: the latest of all writers"
        );
    }
}

/// A second detection with the same schedule (the same time range) does
/// not report what the first one reported; the first one's re-run does.
#[test]
fn another_search_over_the_same_range_does_not_report_a_key_again() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    search(&sd.uri, ADMIN_KEY, &history(), DAY0 + WEEK - 1.0, &[]);
    let t = DAY0 + WEEK + 3600.0;
    let rows = [(t, "mallory"), (t, "bob")];
    let one = Some("search index=a | firstseen lookup=seen key=user");
    let two = Some("search index=b | firstseen lookup=seen key=user");
    assert_eq!(
        search_as(&sd.uri, ADMIN_KEY, &rows, t + 60.0, &[], one).new,
        ["mallory"]
    );
    assert!(
        search_as(&sd.uri, ADMIN_KEY, &rows, t + 60.0, &[], two)
            .new
            .is_empty()
    );
    assert_eq!(
        search_as(&sd.uri, ADMIN_KEY, &rows, t + 60.0, &[], one).new,
        ["mallory"],
        "a re-run of the search that reported it"
    );
    let records = sd.records("seen");
    let m = records.iter().find(|r| r["user"] == "mallory").unwrap();
    assert_eq!(m["reportedTime"].as_f64(), Some(t + 60.0));
    assert_eq!(m["reportedBy"].as_str().map(str::len), Some(16), "{m}");
}

/// A server that accepts connections and never answers, counting them.
fn silent_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", l.local_addr().unwrap());
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = n.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(c);
        }
    });
    (uri, n)
}

#[test]
fn a_splunkd_that_never_answers_fails_the_search_within_its_budget() {
    let (uri, _) = silent_server();
    let t = DAY0 + 3600.0;
    let started = std::time::Instant::now();
    let r = search(
        &uri,
        ADMIN_KEY,
        &[(t, "alice")],
        t + 60.0,
        &["timeout=3", "read_timeout=2"],
    );
    let took = started.elapsed().as_secs_f64();
    assert!(r.failed);
    assert!(took < 5.0, "took {took} s with timeout=3");
    assert!(
        r.messages.iter().any(|m| m.starts_with("ERROR")
            && m.contains(&uri)
            && m.contains("3 s budget for splunkd calls (timeout=3)")),
        "{:?}",
        r.messages
    );
}

#[test]
fn an_answer_over_the_limit_is_refused_once_not_retried() {
    // Says it sends 600 MB, sends a little, and waits.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", l.local_addr().unwrap());
    let n = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = n.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut c in l.incoming().flatten() {
            use std::io::{Read, Write};
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 629145600\r\n\r\n[{\"a\":");
            held.push(c);
        }
    });
    let t = DAY0 + 3600.0;
    let started = std::time::Instant::now();
    let r = search(&uri, ADMIN_KEY, &[(t, "alice")], t + 60.0, &[]);
    assert!(r.failed);
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(
        n.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one request, no retry"
    );
    assert!(
        r.messages.iter().any(|m| m.starts_with("ERROR")
            && m.contains("629145600 bytes")
            && m.contains("not retried")),
        "{:?}",
        r.messages
    );
}

#[test]
fn a_dead_searchs_lock_expires_and_a_live_one_is_waited_for() {
    let Some(sd) = Splunkd::start(&[]) else {
        return;
    };
    let t = DAY0 + 3600.0;
    let url = format!(
        "{}/servicesNS/nobody/{APP}/storage/collections/data/seen",
        sd.uri
    );
    let put_lock = |until: f64| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let _ = agent
            .delete(&format!("{url}/firstseen.lock"))
            .header("Authorization", format!("Splunk {ADMIN_KEY}"))
            .call();
        let a = agent
            .post(&url)
            .header("Authorization", format!("Splunk {ADMIN_KEY}"))
            .content_type("application/json")
            .send(
                json!({"_key": "firstseen.lock", "lockedBy": "dead", "lockedUntil": until})
                    .to_string(),
            )
            .unwrap();
        assert_eq!(a.status().as_u16(), 201);
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    // A lock whose holder died a minute ago is taken over at once.
    put_lock(now - 60.0);
    let started = std::time::Instant::now();
    let r = search(&sd.uri, ADMIN_KEY, &[(t, "alice")], t + 60.0, &[]);
    assert!(!r.failed, "{:?}", r.messages);
    assert_eq!(r.new, ["alice"]);
    assert!(started.elapsed().as_secs_f64() < 3.0);
    // A live lock is waited for, then the search gives up with its budget
    // and changes nothing.
    put_lock(now + 600.0);
    let r = search(&sd.uri, ADMIN_KEY, &[(t, "bob")], t + 60.0, &["timeout=2"]);
    assert!(r.failed);
    assert!(
        r.messages
            .iter()
            .any(|m| m.starts_with("ERROR") && m.contains("being written by another search")),
        "{:?}",
        r.messages
    );
    let users: Vec<String> = sd
        .records("seen")
        .iter()
        .filter_map(|r| r["user"].as_str().map(str::to_string))
        .collect();
    assert_eq!(users, ["alice"]);
}
