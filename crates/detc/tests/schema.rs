//! `detc schema`'s JSON Schemas checked by an independent validator
//! (check-jsonschema from PyPI, `scripts/setup-py-tools.sh`): the shipped
//! content and contentctl's init pack pass; a file with an unknown key or
//! a value outside an enum fails, as `detc validate` refuses it.

use common::{detc, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn yml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(yml_files(&p));
        } else if p.extension().is_some_and(|x| x == "yml") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn check(python: &Path, schema: &Path, files: &[PathBuf]) -> (bool, String) {
    let (code, out) = common::run_tool(
        Command::new(python.with_file_name("check-jsonschema"))
            .arg("--schemafile")
            .arg(schema)
            .args(files),
    );
    (code == 0, out)
}

#[test]
fn shipped_content_and_the_init_pack_pass_and_broken_files_fail() {
    let Some(python) = common::python() else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let (code, out, err) = detc(&["schema", "--out"], t.path());
    assert_eq!(code, 0, "{out}{err}");
    let init = common::fixtures().join("packs/init");
    let mut checked = 0;
    for (object, folder) in [
        ("detection", "detections"),
        ("story", "stories"),
        ("macro", "macros"),
        ("lookup", "lookups"),
        ("data_source", "data_sources"),
        ("deployment", "deployments"),
        ("sourcetype", "sourcetypes"),
    ] {
        let mut files = yml_files(&repo().join(folder));
        files.extend(yml_files(&init.join(folder)));
        if files.is_empty() {
            continue;
        }
        checked += files.len();
        let schema = t.path().join(format!("{object}.schema.json"));
        let (ok, log) = check(&python, &schema, &files);
        assert!(ok, "{object}: {log}");
    }
    assert!(checked >= 30, "{checked} files checked");

    // What detc refuses, the schema refuses.
    let src = std::fs::read_to_string(
        repo().join("detections/cloud/aws_cloudtrail_logging_stopped_or_altered.yml"),
    )
    .unwrap();
    let bad = t.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let cases = [
        (
            "unknown_key.yml",
            src.replacen("how_to_implement:", "how_to_implment:", 1),
            "'how_to_implment' was unexpected",
        ),
        (
            "wrong_enum.yml",
            src.replacen("type: TTP", "type: ttp", 1),
            "'ttp' is not one of",
        ),
        (
            "computed_key.yml",
            format!("{src}macros: []\n"),
            "'macros' was unexpected",
        ),
    ];
    let schema = t.path().join("detection.schema.json");
    for (name, text, expected) in cases {
        assert_ne!(text, src, "{name}: the edit did not apply");
        let f = bad.join(name);
        std::fs::write(&f, text).unwrap();
        let (ok, log) = check(&python, &schema, &[f]);
        assert!(!ok, "{name} must fail");
        assert!(log.contains(expected), "{name}: {log}");
    }
}
