//! Files written by detc-conf, read back by Splunk's .conf parser library
//! from PyPI (addonfactory-splunk-conf-parser-lib, set up by
//! scripts/setup-py-tools.sh). Under CI the parser must be there; elsewhere
//! the test says it is skipped.

use detc_conf::Conf;
use std::process::Command;

const READ: &str = r#"
import json, sys
import addonfactory_splunk_conf_parser_lib as m
p = m.TABConfigParser()
p.read(sys.argv[1])
print(json.dumps({s: {k: v for k, v in p.items(s) if k != "__name__"} for s in p.sections()}))
"#;

#[test]
fn splunk_conf_parser_reads_back_every_value() {
    let Some(py) = detc_testkit::python() else {
        return;
    };
    let values = [
        (
            "plain",
            "| tstats count from datamodel=Endpoint.Processes by Processes.dest",
        ),
        (
            "multiline",
            "| tstats count\n| where count > 0\n| table dest",
        ),
        (
            "backslashes",
            r#"| rex field=path "(?<dir>C:\\Windows\\[^\\]+) x""#,
        ),
        ("padded", "   spaces around   "),
        ("bracket", "first\n[looks like a stanza]\nlast"),
        ("equals", "a = b == c"),
        ("json", r#"{"risk_object_field": "dest", "risk_score": 56}"#),
        ("unicode", "Zugriff verweigert — ทt"),
        ("empty", ""),
    ];
    let mut c = Conf::new();
    c.comment("round trip");
    for (i, (k, v)) in values.iter().enumerate() {
        c.stanza(format!("Stanza {} - {k} - Rule", i % 3))
            .set(*k, *v);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.conf");
    std::fs::write(&path, c.render().unwrap()).unwrap();
    let out = Command::new(&py)
        .args(["-c", READ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, (k, v)) in values.iter().enumerate() {
        let stanza = format!("Stanza {} - {k} - Rule", i % 3);
        let got = parsed[&stanza][*k]
            .as_str()
            .unwrap_or_else(|| panic!("{stanza} {k} missing: {parsed}"));
        // The library keeps the continuation backslash and trims each continued line.
        let got = got.replace("\\\n", "\n");
        let want: String = v
            .trim()
            .lines()
            .map(str::trim_start)
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(got, want, "[{stanza}] {k}");
    }
}
