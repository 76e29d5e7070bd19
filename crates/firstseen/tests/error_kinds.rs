//! Each failure of a run comes with the kind a caller acts on: a wrong
//! search (fix the search), a limit, a bad state (restore or delete it);
//! and every failure leaves the state file as it was.

use firstseen::ErrorKind;
use std::fs;

fn run(args: &[&str], input: &str, state: &std::path::Path) -> firstseen::Error {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    firstseen::standalone::run(&args, input.as_bytes(), state, Some(1_700_000_000.0))
        .expect_err("the run fails")
}

#[test]
fn failures_have_the_kind_a_caller_acts_on_and_leave_the_state_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("seen.csv");
    let before = "user,firstTimeSeen,lastTimeSeen\nalice,1699000000,1699000000\n";
    fs::write(&state, before).unwrap();
    let rows = "_time,user\n1699999000,bob\n";

    let e = run(&["key=user", "window=-1d", "bogus=1"], rows, &state);
    assert_eq!(e.kind(), ErrorKind::Search, "{e}");
    assert!(e.message().contains("bogus"), "{e}");

    let e = run(&["key=host", "window=-1d"], rows, &state);
    assert_eq!(e.kind(), ErrorKind::Search, "{e}");
    assert!(
        e.message()
            .contains("key field host not in the search results"),
        "{e}"
    );

    let long = format!("_time,user\n1699999000,{}\n", "x".repeat(70_000));
    let e = run(&["key=user", "window=-1d"], &long, &state);
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    assert!(e.message().contains("more than 65536"), "{e}");

    assert_eq!(fs::read_to_string(&state).unwrap(), before);

    let broken = "user,firstTimeSeen,lastTimeSeen\nalice,oops,1699000000\n";
    fs::write(&state, broken).unwrap();
    let e = run(&["key=user", "window=-1d"], rows, &state);
    assert_eq!(e.kind(), ErrorKind::State, "{e}");
    assert!(e.message().contains("not epoch seconds"), "{e}");
    assert_eq!(fs::read_to_string(&state).unwrap(), broken);
}
