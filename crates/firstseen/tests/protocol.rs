//! firstseen driven over pipes the way splunkd drives it.

use splunk_chunked::harness::{ReplyChunk, Session, execute_meta, getinfo_meta, splunkd_body};
use splunk_chunked::{ChunkReader, Incoming};
use std::path::{Path, PathBuf};
use std::process::Command;

const LATEST: f64 = 1_689_100_000.0; // 2023-07-11T18:26:40Z

fn spawn(lookups: &Path) -> Session {
    Session::spawn(
        Command::new(env!("CARGO_BIN_EXE_firstseen"))
            .env("FIRSTSEEN_LOOKUPS_DIR", lookups)
            .env("FIRSTSEEN_NO_SPLUNKD", "1")
            .env("TZ", "UTC"),
    )
    .unwrap()
}

fn rows(v: &[(&str, &str, f64)]) -> Vec<Vec<String>> {
    v.iter()
        .map(|(u, c, t)| vec![t.to_string(), u.to_string(), c.to_string()])
        .collect()
}

const HEADER: [&str; 3] = ["_time", "user", "command"];

/// getinfo + chunks (the last one finished), returning every reply and the exit code.
fn search(
    lookups: &Path,
    args: &[&str],
    chunks: &[Vec<u8>],
    preview: bool,
) -> (Vec<ReplyChunk>, Option<i32>, String) {
    let mut s = spawn(lookups);
    let mut replies = vec![
        s.send(&getinfo_meta(args, None, Some(LATEST), preview), b"")
            .unwrap(),
    ];
    for (i, body) in chunks.iter().enumerate() {
        replies.push(s.send(&execute_meta(i + 1 == chunks.len()), body).unwrap());
    }
    let exit = s.finish().unwrap();
    assert!(
        exit.trailing.is_empty(),
        "output after the last reply: {:?}",
        exit.trailing
    );
    (replies, exit.code, exit.stderr)
}

const ARGS: [&str; 3] = ["lookup=api_calls", "key=user,command", "window=-24h@h"];

#[test]
fn probes_have_no_side_effects() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        let mut s = spawn(dir.path());
        let r = s
            .send(&getinfo_meta(&ARGS, None, None, false), b"")
            .unwrap();
        assert_eq!(r.meta["type"], "events");
        assert_eq!(r.meta["run_in_preview"], false);
        let exit = s.finish().unwrap();
        assert_eq!(exit.code, Some(0));
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a probe wrote something"
    );
}

#[test]
fn a_search_in_several_chunks_reports_new_keys_once_finished() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("api_calls.csv");
    std::fs::write(&state, "user,command,firstTimeSeen,lastTimeSeen,enough_data\nalice,ListBuckets,1680000000,1680000000,1\n").unwrap();
    let c1 = splunkd_body(
        &HEADER,
        &rows(&[
            ("alice", "ListBuckets", 1689099000.0),
            ("bob", "GetObject", 1689098000.0),
        ]),
    );
    let c2 =
        b"\"_time\",user,command\r\n1689099500,bob,GetObject\r\n1689000000,carol,PutObject\r\n"
            .to_vec();
    let header_only = b"\"_time\",user,command\n".to_vec();
    let (replies, code, stderr) =
        search(dir.path(), &ARGS, &[c1, header_only, c2, Vec::new()], false);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(replies.len(), 5);
    for r in &replies[1..4] {
        assert!(
            !r.finished() && r.body.is_empty(),
            "rows before the end: {r:?}"
        );
    }
    let last = &replies[4];
    assert!(last.finished());
    let table = last.rows();
    // window -24h@h from 18:26:40 = 2023-07-10T18:00:00Z = 1689012000: bob (1689098000) is new,
    // carol (1689000000) is older, alice is in the state since 1680000000.
    // Plain columns, ours, then the multivalue columns splunkd sent (kept, so multivalue fields survive).
    assert_eq!(
        table[0],
        [
            "_time",
            "user",
            "command",
            "firstTimeSeen",
            "lastTimeSeen",
            "isNew",
            "__mv__time",
            "__mv_user",
            "__mv_command"
        ]
    );
    let plain: Vec<Vec<String>> = table[1..].iter().map(|r| r[..6].to_vec()).collect();
    assert_eq!(
        plain,
        [
            vec![
                "1689098000",
                "bob",
                "GetObject",
                "1689098000",
                "1689099500",
                "1"
            ],
            vec![
                "1689099500",
                "bob",
                "GetObject",
                "1689098000",
                "1689099500",
                "1"
            ],
        ]
    );
    let info = last.messages();
    assert!(
        info.iter()
            .any(|(l, m)| l == "INFO" && m.contains("4 rows, 3 keys, 1 new")),
        "{info:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        // reportedBy: printf 'search%20index%3Dmain' | sha256sum | cut -c1-16,
        // the harness's search string.
        "user,command,firstTimeSeen,lastTimeSeen,enough_data,reportedTime,reportedBy\n\
         alice,ListBuckets,1680000000,1689099000,1,,\n\
         bob,GetObject,1689098000,1689099500,1,1689100000,a1e501dd915fd06a\n\
         carol,PutObject,1689000000,1689000000,1,,\n"
    );
    // The same search again: nothing is new any more... except bob, still inside the window.
    let c = splunkd_body(&HEADER, &rows(&[("carol", "PutObject", 1689099999.0)]));
    let (replies, code, _) = search(
        dir.path(),
        &[ARGS[0], ARGS[1], ARGS[2], "output=all"],
        &[c],
        false,
    );
    assert_eq!(code, Some(0));
    let t = replies[1].rows();
    assert_eq!(t[1][3..6], ["1689000000", "1689099999", "0"]);
}

#[test]
fn preview_and_update_false_never_write() {
    let dir = tempfile::tempdir().unwrap();
    let c = splunkd_body(&HEADER, &rows(&[("alice", "ListBuckets", 1689099000.0)]));
    let (r, code, _) = search(dir.path(), &ARGS, std::slice::from_ref(&c), true);
    assert_eq!(code, Some(0));
    assert_eq!(r[1].rows().len(), 2, "preview still answers");
    let (_, code, _) = search(dir.path(), &[ARGS[0], ARGS[1], "update=false"], &[c], false);
    assert_eq!(code, Some(0));
    assert!(!dir.path().join("api_calls.csv").exists());
}

const STATE: &str = "user,command,firstTimeSeen,lastTimeSeen,enough_data\nalice,ListBuckets,1680000000,1680000000,1\n";

/// Every kind of bad input: an ERROR message Splunk can show, a non-zero
/// exit, the state file byte-for-byte unchanged, no panic.
#[test]
fn bad_input_gets_an_error_and_leaves_the_state_alone() {
    let good = splunkd_body(&HEADER, &rows(&[("bob", "GetObject", 1689098000.0)]));
    let getinfo = |args: &[&str]| {
        let m = getinfo_meta(args, None, Some(LATEST), false);
        format!(
            "chunked 1.0,{},0\n{}",
            m.len(),
            String::from_utf8(m).unwrap()
        )
        .into_bytes()
    };
    let exec = |finished: bool, body: &[u8]| {
        let m = execute_meta(finished);
        let mut v = format!("chunked 1.0,{},{}\n", m.len(), body.len()).into_bytes();
        v.extend_from_slice(&m);
        v.extend_from_slice(body);
        v
    };
    let cat = |parts: &[Vec<u8>]| parts.concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage header",
            cat(&[getinfo(&ARGS), b"HELLO SPLUNK\n".to_vec()]),
            "malformed chunk header",
        ),
        (
            "garbage first chunk",
            b"\x00\x01\x02garbage\n".to_vec(),
            "malformed chunk header",
        ),
        (
            "truncated header",
            cat(&[getinfo(&ARGS), b"chunked 1.0,3".to_vec()]),
            "inside a chunk header",
        ),
        (
            "truncated body",
            cat(&[getinfo(&ARGS), b"chunked 1.0,2,100\n{}_time".to_vec()]),
            "header announced 100 bytes, got 5",
        ),
        (
            "lengths too short",
            cat(&[
                getinfo(&ARGS),
                b"chunked 1.0,10,0\n{\"action\":\"execute\"}".to_vec(),
            ]),
            "not valid JSON",
        ),
        (
            "invalid JSON",
            cat(&[getinfo(&ARGS), b"chunked 1.0,9,0\n{\"action\"".to_vec()]),
            "not valid JSON",
        ),
        (
            "invalid UTF-8 in body",
            cat(&[
                getinfo(&ARGS),
                exec(true, b"_time,user,command\n1689098000,b\xffb,Get\n"),
            ]),
            "not valid UTF-8",
        ),
        (
            "missing key field",
            cat(&[getinfo(&ARGS), exec(true, b"_time,user\n1689098000,bob\n")]),
            "key field command not in the search results (fields: _time, user)",
        ),
        (
            "missing time field",
            cat(&[
                getinfo(&ARGS),
                exec(true, b"firstTime,user,command\n1689098000,bob,Get\n"),
            ]),
            "the time field _time is not in the search results; name the field that holds epoch seconds with time= (after tstats, usually time=firstTime); fields: firstTime, user, command",
        ),
        (
            "non-numeric time",
            cat(&[
                getinfo(&ARGS),
                exec(false, &good),
                exec(true, b"_time,user,command\nyesterday,bob,Get\n"),
            ]),
            "\"yesterday\" in row 2, which is not a time in epoch seconds",
        ),
        (
            "non-numeric time in an early chunk",
            cat(&[
                getinfo(&ARGS),
                exec(false, b"_time,user,command\nsoon,bob,Get\n"),
                exec(false, &good),
                exec(false, &good),
                exec(true, &good),
            ]),
            "\"soon\" in row 1",
        ),
        (
            "time far before 1970",
            cat(&[
                getinfo(&ARGS),
                exec(true, b"_time,user,command\n-1e18,bob,Get\n"),
            ]),
            "\"-1e18\" in row 1, which is not a time in epoch seconds between 1970 and 9999",
        ),
        (
            "a whole event as key",
            cat(&[
                getinfo(&ARGS),
                exec(
                    true,
                    format!(
                        "_time,user,command\n1689098000,{},Get\n",
                        "x".repeat(70_000)
                    )
                    .as_bytes(),
                ),
            ]),
            "row 1: the key fields' values are 70011 bytes together, more than 65536",
        ),
        (
            "unknown option",
            getinfo(&["lookup=api_calls", "key=user", "windw=-1d"]),
            "Unrecognized option: windw=-1d",
        ),
        (
            "path in lookup name",
            getinfo(&["lookup=../../../etc/passwd", "key=user"]),
            "not a lookup name",
        ),
        (
            "execute first",
            exec(true, &good),
            "first chunk must be getinfo",
        ),
    ];
    for (name, input, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("api_calls.csv");
        std::fs::write(&state, STATE).unwrap();
        let mut s = spawn(dir.path());
        // Send everything, close stdin, then read every reply.
        let mut replies = Vec::new();
        let first = s.send_raw(&input);
        let exit = {
            if let Ok(r) = first {
                replies.push(r);
            }
            let exit = s.finish().unwrap();
            let mut rd = ChunkReader::new(&exit.trailing[..]);
            while let Ok(Some(c)) = rd.next_chunk() {
                replies.push(ReplyChunk {
                    meta: serde_json::from_slice(&c.meta).unwrap(),
                    body: String::from_utf8(c.body).unwrap(),
                });
            }
            exit
        };
        let last = replies
            .last()
            .unwrap_or_else(|| panic!("{name}: no reply at all; stderr {}", exit.stderr));
        let msgs = last.messages();
        assert!(
            msgs.iter().any(|(l, m)| l == "ERROR" && m.contains(want)),
            "{name}: want ERROR containing {want:?}, got {msgs:?}"
        );
        assert_eq!(
            last.meta["error"].as_str().map(|e| e.contains(want)),
            Some(true),
            "{name}"
        );
        assert_ne!(exit.code, Some(0), "{name}: exit status");
        assert!(!exit.stderr.contains("panicked"), "{name}: {}", exit.stderr);
        assert_eq!(
            std::fs::read_to_string(&state).unwrap(),
            STATE,
            "{name}: state changed"
        );
    }
}

#[test]
fn a_corrupt_state_file_is_reported_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("api_calls.csv");
    let corrupt = "user,command,firstTimeSeen,lastTimeSeen\nalice,ListBuckets,12:00,\n";
    std::fs::write(&state, corrupt).unwrap();
    let c = splunkd_body(&HEADER, &rows(&[("bob", "GetObject", 1689098000.0)]));
    let (replies, code, _) = search(dir.path(), &ARGS, &[c], false);
    assert_eq!(code, Some(1));
    let msgs = replies[1].messages();
    assert!(
        msgs[0]
            .1
            .contains("line 2: firstTimeSeen \"12:00\" is not epoch seconds"),
        "{msgs:?}"
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), corrupt);
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/protocol")
        .join(name)
}

/// The execute chunks of a real Splunk 8.0.3 session, sent verbatim.
#[test]
fn recorded_splunk_chunks_drive_firstseen() {
    let bytes = std::fs::read(fixture("multibyte_8.0.x.input")).unwrap();
    let mut rd = ChunkReader::new(&bytes[..]);
    let getinfo = rd.next_chunk().unwrap().unwrap();
    let latest = Incoming::parse(&getinfo.meta)
        .unwrap()
        .searchinfo
        .unwrap()
        .latest_time;
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn(dir.path());
    s.send(
        &getinfo_meta(
            &["lookup=strings", "key=teststring", "window=-24h"],
            None,
            latest,
            false,
        ),
        b"",
    )
    .unwrap();
    let mut last = None;
    while let Some(c) = rd.next_chunk().unwrap() {
        last = Some(s.send(&c.meta, &c.body).unwrap());
    }
    let exit = s.finish().unwrap();
    assert_eq!(exit.code, Some(0), "{}", exit.stderr);
    let last = last.unwrap();
    assert!(last.finished());
    let table = last.rows();
    assert_eq!(table.len(), 1 + 40_682, "every row has the one new key");
    assert_eq!(
        table[0][..5],
        [
            "_time",
            "teststring",
            "firstTimeSeen",
            "lastTimeSeen",
            "isNew"
        ]
    );
    assert!(
        table[1..]
            .iter()
            .all(|r| r[0].starts_with("1599") && r[1] == "ทt" && r[4] == "1")
    );
    let state = std::fs::read_to_string(dir.path().join("strings.csv")).unwrap();
    let lines: Vec<&str> = state.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("ทt,1599"), "{state}");
}

/// Installed as Splunk installs it: the state goes to the app's own lookups folder.
#[test]
fn finds_its_app_lookups_folder_from_its_own_path() {
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("etc/apps/detc_app/linux_x86_64/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(home.path().join("etc/apps/detc_app/lookups")).unwrap();
    let exe = bin.join("firstseen");
    std::fs::copy(env!("CARGO_BIN_EXE_firstseen"), &exe).unwrap();
    // Another test thread that forks while the copy's write descriptor is
    // open makes the child inherit it, and exec then fails with "Text file
    // busy" (ETXTBSY) until that child execs or exits: retry briefly.
    let mut tries = 0;
    let mut s = loop {
        match Session::spawn(
            Command::new(&exe)
                .env("SPLUNK_HOME", home.path())
                .env("FIRSTSEEN_NO_SPLUNKD", "1")
                .env_remove("FIRSTSEEN_LOOKUPS_DIR"),
        ) {
            Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => break r.unwrap(),
        }
    };
    s.send(&getinfo_meta(&ARGS, None, Some(LATEST), false), b"")
        .unwrap();
    let r = s
        .send(
            &execute_meta(true),
            &splunkd_body(&HEADER, &rows(&[("bob", "GetObject", 1689098000.0)])),
        )
        .unwrap();
    assert!(r.finished());
    assert_eq!(s.finish().unwrap().code, Some(0));
    let state = home.path().join("etc/apps/detc_app/lookups/api_calls.csv");
    assert!(
        std::fs::read_to_string(state)
            .unwrap()
            .contains("bob,GetObject,1689098000")
    );
}

/// ESCU users keep their history: seed= reads a previously_seen lookup from another app.
#[test]
fn seeds_from_an_escu_lookup_in_another_app() {
    let home = tempfile::tempdir().unwrap();
    let escu = home.path().join("etc/apps/DA-ESS-ContentUpdate/lookups");
    let ours = home.path().join("etc/apps/detc_app/lookups");
    std::fs::create_dir_all(&escu).unwrap();
    std::fs::create_dir_all(&ours).unwrap();
    std::fs::write(
        escu.join("previously_seen_cloud_api_calls_per_user_role.csv"),
        "user,command,firstTimeSeen,lastTimeSeen,enough_data\nbob,GetObject,1600000000,1600000000,1\n",
    )
    .unwrap();
    let mut s = Session::spawn(
        Command::new(env!("CARGO_BIN_EXE_firstseen"))
            .env("SPLUNK_HOME", home.path())
            .env("FIRSTSEEN_NO_SPLUNKD", "1")
            .env("FIRSTSEEN_LOOKUPS_DIR", &ours),
    )
    .unwrap();
    let args = [
        ARGS[0],
        ARGS[1],
        "seed=previously_seen_cloud_api_calls_per_user_role",
    ];
    s.send(&getinfo_meta(&args, None, Some(LATEST), false), b"")
        .unwrap();
    let r = s
        .send(
            &execute_meta(true),
            &splunkd_body(&HEADER, &rows(&[("bob", "GetObject", 1689098000.0)])),
        )
        .unwrap();
    assert_eq!(
        r.rows().len(),
        0,
        "bob was seen in 2020 according to ESCU: {r:?}"
    );
    assert_eq!(s.finish().unwrap().code, Some(0));
    let state = std::fs::read_to_string(ours.join("api_calls.csv")).unwrap();
    assert!(
        state.contains("bob,GetObject,1600000000,1689098000"),
        "{state}"
    );
}

/// A chunk of 40,000 columns (and their `__mv_` twins) passes through whole:
/// parsing and answering are linear in the columns (40,000 took 35 s when
/// they were quadratic; `cargo bench -p splunk-chunked --bench wide`).
#[test]
fn a_chunk_of_forty_thousand_columns_passes_through() {
    let dir = tempfile::tempdir().unwrap();
    let extra: Vec<String> = (0..40_000).map(|i| format!("c{i}")).collect();
    let mut header = vec!["_time".to_string(), "user".into(), "command".into()];
    header.extend(extra.iter().cloned());
    header.extend(extra.iter().take(100).map(|c| format!("__mv_{c}")));
    let mut body = header.join(",");
    body.push('\n');
    let mut row = vec!["1689098000".to_string(), "bob".into(), "GetObject".into()];
    row.extend((0..40_000).map(|i| i.to_string()));
    row.extend((0..100).map(|_| String::new()));
    body.push_str(&row.join(","));
    body.push('\n');
    let (replies, code, _) = search(
        dir.path(),
        &[ARGS[0], ARGS[1], ARGS[2], "output=all"],
        &[body.into_bytes()],
        false,
    );
    assert_eq!(code, Some(0));
    let t = replies[1].rows();
    assert_eq!(t.len(), 2);
    // Every plain column, firstseen's three, and the __mv_ ones.
    assert_eq!(t[0].len(), 3 + 40_000 + 3 + 100);
    assert_eq!(t[0][3 + 39_999], "c39999");
    assert_eq!(t[1][3 + 39_999], "39999");
}
