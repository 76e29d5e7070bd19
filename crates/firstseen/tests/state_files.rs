//! The state file attacks and accidents found in review, each reproduced:
//! stale temporary files of killed runs, symbolic links planted at the
//! state, its lock, its temporary files or a seed, a rewrite that reset the
//! file's mode, a read-only state rewritten, an empty state read as "no
//! history", absurd times and keys stored.

use firstseen::keys::{KeyTable, Seen, encode_key};
use firstseen::state::{CsvStore, Save, StateStore};
use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

const HEADER: &str = "user,firstTimeSeen,lastTimeSeen,enough_data\n";

fn fields() -> Vec<String> {
    vec!["user".to_string()]
}

/// Adds key `user` seen at `t` and saves: what a search with update=true does.
fn add(store: &CsvStore, user: &str, t: f64) -> Result<usize, firstseen::Error> {
    store
        .update(&fields(), &KeyTable::default(), &mut |s| {
            let mut k = Vec::new();
            encode_key(&mut k, [user]);
            s.keys.upsert(&k, Seen { first: t, last: t })?;
            Ok(Some(Save {
                drop_before: None,
                enough_data: false,
            }))
        })
        .map(|w| w.keys)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn temporary_files_of_killed_runs_are_removed_by_the_next_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = CsvStore::new(dir.path().join("s.csv"));
    // What `kill -9` during a write left behind, of an old and a new naming.
    fs::write(dir.path().join(".s.csv.tmp.4242"), "x".repeat(1 << 20)).unwrap();
    fs::write(dir.path().join(".s.csv.tmp.AbC123"), "partial").unwrap();
    fs::write(dir.path().join(".other.csv.tmp.1"), "not ours").unwrap();
    add(&store, "alice", 1_700_000_000.0).unwrap();
    assert_eq!(
        names(dir.path()),
        [".other.csv.tmp.1", ".s.csv.lock", "s.csv"]
    );
}

#[test]
fn symbolic_links_planted_beside_the_state_lead_nowhere() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, "precious\n").unwrap();
    let lookups = dir.path();
    let store = CsvStore::new(lookups.join("s.csv"));

    // Links at temporary-file names (the old name was predictable).
    for name in [".s.csv.tmp.1", ".s.csv.tmp.99999", ".s.csv.tmp.x"] {
        symlink(&victim, lookups.join(name)).unwrap();
    }
    add(&store, "alice", 1_700_000_000.0).unwrap();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    let meta = fs::symlink_metadata(lookups.join("s.csv")).unwrap();
    assert!(meta.file_type().is_file(), "the state is a plain file");

    // The state itself as a link: neither read nor written through.
    fs::remove_file(lookups.join("s.csv")).unwrap();
    symlink(&victim, lookups.join("s.csv")).unwrap();
    let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
    assert!(e.message().contains("is a symbolic link"), "{e}");
    let e = add(&store, "mallory", 1_700_000_000.0).unwrap_err();
    assert!(e.message().contains("symbolic link"), "{e}");
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    fs::remove_file(lookups.join("s.csv")).unwrap();

    // The lock as a link to a file that does not exist: not created.
    fs::remove_file(lookups.join(".s.csv.lock")).unwrap();
    let planted = outside.path().join("created-by-firstseen");
    symlink(&planted, lookups.join(".s.csv.lock")).unwrap();
    let e = add(&store, "alice", 1_700_000_000.0).unwrap_err();
    assert!(
        e.message().contains("lock file") && e.message().contains("symbolic link"),
        "{e}"
    );
    assert!(!planted.exists());
}

#[test]
fn a_seed_is_read_only_from_an_apps_lookups_folder_and_never_through_a_link() {
    let home = tempfile::tempdir().unwrap();
    let apps = home.path().join("etc/apps");
    let ours = apps.join("detc_app/lookups");
    let escu = apps.join("DA-ESS-ContentUpdate/lookups");
    fs::create_dir_all(&ours).unwrap();
    fs::create_dir_all(&escu).unwrap();
    let secret = home.path().join("etc/passwd.csv");
    fs::write(&secret, format!("{HEADER}root,1,1,1\n")).unwrap();

    // ESCU's lookup is a fine seed.
    fs::write(
        escu.join("seen.csv"),
        format!("{HEADER}bob,1600000000,1600000000,1\n"),
    )
    .unwrap();
    let store = CsvStore::new(ours.join("s.csv")).with_seed(Some(escu.join("seen.csv")));
    assert_eq!(
        store
            .load(&fields(), &KeyTable::default())
            .unwrap()
            .keys
            .len(),
        1
    );

    // A link with a lookup's name, pointing out of the apps.
    symlink(&secret, escu.join("linked.csv")).unwrap();
    let store = CsvStore::new(ours.join("s.csv")).with_seed(Some(escu.join("linked.csv")));
    let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
    assert!(e.message().contains("symbolic link"), "{e}");

    // A seed outside any app's lookups folder.
    let store = CsvStore::new(ours.join("s.csv")).with_seed(Some(secret.clone()));
    let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
    assert!(
        e.message().contains("not in the lookups folder of an app"),
        "{e}"
    );
}

#[test]
fn a_rewrite_keeps_the_mode_and_a_read_only_state_is_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    let store = CsvStore::new(&path);
    add(&store, "alice", 1_700_000_000.0).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&path), 0o644, "a new state as a plain create makes it");

    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    add(&store, "bob", 1_700_000_000.0).unwrap();
    assert_eq!(mode(&path), 0o600);

    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let before = fs::read_to_string(&path).unwrap();
    let e = add(&store, "mallory", 1_700_000_000.0).unwrap_err();
    assert!(
        e.message().contains("read-only (mode 0444)") && e.message().contains("update=false"),
        "{e}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), before);
    assert_eq!(mode(&path), 0o444);
}

#[test]
fn an_empty_state_file_is_an_error_not_an_empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    fs::write(&path, "").unwrap();
    let store = CsvStore::new(&path);
    let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
    assert!(e.message().contains("is empty (0 bytes)"), "{e}");
    // And an update does not start a new history over it.
    assert!(add(&store, "alice", 1_700_000_000.0).is_err());
    assert_eq!(fs::read_to_string(&path).unwrap(), "");
}

#[test]
fn absurd_times_and_keys_in_a_state_file_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    let store = CsvStore::new(&path);
    for (row, what) in [
        ("a,-1e18,1,0", "firstTimeSeen \"-1e18\""),
        ("a,1,-1e300,0", "lastTimeSeen \"-1e300\""),
        ("a,1e300,1e300,0", "firstTimeSeen \"1e300\""),
    ] {
        fs::write(&path, format!("{HEADER}ok,1,1,0\n{row}\n")).unwrap();
        let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
        assert!(
            e.message()
                .contains(&format!("line 3: {what} is not epoch seconds")),
            "{e}"
        );
    }
    let long = "k".repeat(firstseen::engine::MAX_KEY_BYTES + 1);
    fs::write(&path, format!("{HEADER}{long},1,1,0\n")).unwrap();
    let e = store.load(&fields(), &KeyTable::default()).unwrap_err();
    assert!(e.message().contains("line 2: the key is"), "{e}");
}

#[test]
fn times_outside_1970_to_9999_are_not_times() {
    use firstseen::engine::parse_time;
    assert_eq!(parse_time("1700000000.5"), Some(1_700_000_000.5));
    assert_eq!(parse_time("0"), Some(0.0));
    for bad in [
        "-1",
        "-1e18",
        "-1e300",
        "1e300",
        "253402300800",
        "NaN",
        "inf",
    ] {
        assert_eq!(parse_time(bad), None, "{bad}");
    }
}

/// Runs `firstseen run` on `rows` (CSV with a header) with `state` and
/// `options`; returns its standard error.
fn run_cli(dir: &Path, rows: &str, state: &Path, latest: f64, options: &[&str]) -> String {
    let input = dir.join("rows.csv");
    fs::write(&input, rows).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_firstseen"))
        .arg("run")
        .arg("--input")
        .arg(&input)
        .arg("--state")
        .arg(state)
        .arg("--latest")
        .arg(latest.to_string())
        .args(options)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_state_holding_only_its_header_is_a_warning_not_silence() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.csv");
    fs::write(&state, HEADER).unwrap();
    let t = 1_700_000_000.0;
    let err = run_cli(
        dir.path(),
        &format!("_time,user\n{t},alice\n"),
        &state,
        t + 60.0,
        &["key=user"],
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("warn: firstseen: state lookup")
                && l.contains("holds no keys, only its header line")),
        "{err}"
    );
    // Once it holds a key again, the warning is gone.
    let err = run_cli(
        dir.path(),
        &format!("_time,user\n{t},bob\n"),
        &state,
        t + 60.0,
        &["key=user"],
    );
    assert!(!err.contains("holds no keys"), "{err}");
}

#[test]
fn keys_aged_out_are_counted_even_when_none_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("s.csv");
    let t = 1_700_000_000.0;
    fs::write(
        &state,
        format!("{HEADER}alice,{t},{t},1\nbob,{t},{t},1\ncarol,{t},{t},1\n"),
    )
    .unwrap();
    // retention= reaching past every key, this search's own too: all go.
    let later = t + 86_400.0;
    let err = run_cli(
        dir.path(),
        &format!("_time,user\n{},dave\n", later - 10.0),
        &state,
        later,
        &["key=user", "retention=-1s"],
    );
    assert!(
        err.contains("; 0 keys written to")
            && err.contains(", 4 aged out (last seen before 2023-11-15T22:13:19Z, retention=)"),
        "{err}"
    );
}
