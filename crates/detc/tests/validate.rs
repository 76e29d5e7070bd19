//! End-to-end tests of `detc validate`: the real binary on real content
//! packs and on the broken cases under `tests/fixtures/broken/`.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{copy_dir, fixtures, pack};

/// `detc` with `args` on `dir`: exit code and stdout.
fn detc(args: &[&str], dir: &Path) -> (i32, String) {
    let (code, out, _) = common::detc(args, dir);
    (code, out)
}

#[test]
fn contentctl_init_pack_is_clean() {
    let t = pack("init");
    let (code, out) = detc(&["validate", "--color", "never"], t.path());
    assert_eq!(out, "0 errors, 0 warnings\n");
    assert_eq!(code, 0);
}

#[test]
fn seed_detection_is_refused_at_its_dest_drilldown() {
    let t = pack("seed");
    let (code, out) = detc(&["validate", "--format", "json"], t.path());
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let d = v["diagnostics"].as_array().unwrap();
    let first = d
        .iter()
        .find(|d| d["code"] == "D001")
        .expect("a D001 diagnostic");
    assert_eq!(
        first["file"],
        "detections/cloud/cloud_api_calls_from_previously_unseen_user_roles.yml"
    );
    assert_eq!(first["line"], 31);
    assert_eq!(first["column"], 43);
    assert!(
        first["source_line"]
            .as_str()
            .unwrap()
            .contains("\"$dest$\"")
    );
    // Every `$dest$` of both drilldowns (name and search) is reported, nothing else.
    assert_eq!(d.iter().filter(|d| d["code"] == "D001").count(), 4);
    assert!(d.iter().all(|d| d["code"] == "D001"), "{out}");
    insta::assert_snapshot!(
        "seed_pack_human",
        detc(&["validate", "--color", "never"], t.path()).1
    );
}

#[test]
fn seed_detection_in_the_unmodified_init_pack_still_points_at_dest() {
    let t = pack("seed");
    let cfg = t.path().join("contentctl.yml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("label: ContentPack", "label: Custom Splunk Content Pack");
    std::fs::write(&cfg, text).unwrap();
    let (code, out) = detc(&["validate", "--format", "json"], t.path());
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"D001") && codes.contains(&"P005"),
        "{codes:?}"
    );
}

#[test]
fn broken_fixtures_match_their_snapshots() {
    let dir = fixtures().join("broken");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 30,
        "at least 30 broken cases, found {}",
        cases.len()
    );
    let rules = detc_content::codes::RULES;
    let mut fired: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let t = pack("init");
        copy_dir(&case, t.path());
        let (code, human) = detc(&["validate", "--color", "never"], t.path());
        assert!(
            human.contains("error[") || human.contains("warning["),
            "{name}: no diagnostic\n{human}"
        );
        assert_ne!(code, 2, "{name}: exit 2 is for usage errors");
        assert!(
            code == 1 || !human.contains("error["),
            "{name}: errors must exit 1"
        );
        // JSON carries the same diagnostics, each with a registered code and name.
        let (_, json) = detc(&["validate", "--format", "json"], t.path());
        let v: Value = serde_json::from_str(&json).unwrap();
        for d in v["diagnostics"].as_array().unwrap() {
            let r = rules
                .iter()
                .find(|r| r.code == d["code"])
                .unwrap_or_else(|| panic!("{name}: unregistered code {}", d["code"]));
            assert_eq!(r.name, d["name"], "{name}");
            fired.insert(r.code.to_string());
        }
        insta::assert_snapshot!(name.clone(), format!("exit: {code}\n{human}"));
    }
    // Every registered rule fires on a broken case, except the two whose
    // input cannot be a committed fixture; each of those has its own test.
    const ELSEWHERE: &[(&str, &str)] = &[
        (
            "F001",
            "detc-content load.rs: a_file_that_cannot_be_read_is_reported",
        ),
        (
            "F002",
            "this file: a_50_mb_file_is_refused_without_reading_it",
        ),
    ];
    let missing: Vec<&str> = rules
        .iter()
        .map(|r| r.code)
        .filter(|c| !fired.contains(*c) && !ELSEWHERE.iter().any(|(e, _)| e == c))
        .collect();
    assert!(
        missing.is_empty(),
        "rules with no broken case under tests/fixtures/broken/ that makes them fire: {missing:?}"
    );
}

#[test]
fn sarif_output_is_a_valid_log() {
    let t = pack("seed");
    let (code, out) = detc(&["validate", "--format", "sarif"], t.path());
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let r = &results[0];
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run["tool"]["driver"]["rules"][idx]["id"], r["ruleId"]);
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        31
    );
}

#[test]
fn a_50_mb_file_is_refused_without_reading_it() {
    let t = pack("init");
    let big = t.path().join("detections/endpoint/huge.yml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let start = std::time::Instant::now();
    let (code, out) = detc(&["validate", "--format", "json"], t.path());
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "F002");
    assert_eq!(d["file"], "detections/endpoint/huge.yml");
    assert!(d["message"].as_str().unwrap().contains("50.0 MiB"));
    // Not a speed target: only a guard that the file is not parsed (a hang would fail here).
    assert!(start.elapsed().as_secs() < 60);
}

#[test]
fn usage_errors_exit_2() {
    let (code, _) = detc(&["validate"], Path::new("/nonexistent/content/root"));
    assert_eq!(code, 2);
}

#[test]
fn attack_bundle_flag_reads_a_stix_bundle() {
    let t = pack("init");
    let bundle = t.path().join("mini-attack.json");
    std::fs::write(
        &bundle,
        r#"{"type":"bundle","objects":[{"type":"attack-pattern","id":"attack-pattern--1","name":"Archive via Utility",
        "external_references":[{"source_name":"mitre-attack","external_id":"T1560.001"}]}]}"#,
    )
    .unwrap();
    let (code, out) = detc(
        &[
            "validate",
            "--color",
            "never",
            "--attack-bundle",
            bundle.to_str().unwrap(),
        ],
        t.path(),
    );
    assert_eq!((code, out.as_str()), (0, "0 errors, 0 warnings\n"));
    std::fs::write(&bundle, r#"{"type":"bundle","objects":[]}"#).unwrap();
    let (code, out) = detc(
        &[
            "validate",
            "--color",
            "never",
            "--attack-bundle",
            bundle.to_str().unwrap(),
        ],
        t.path(),
    );
    assert_eq!(code, 1);
    assert!(out.contains("error[A001]"), "{out}");
}

/// Extensions off (`--no-extensions` or `[schema] extensions = false`):
/// contentctl 5.6.2's own sample pack passes once it has the folders
/// contentctl requires; detc's extensions and a root without those folders
/// are refused, each where it is written.
#[test]
fn with_extensions_off_detc_refuses_what_contentctl_5_refuses() {
    let t = pack("init");
    let (code, out) = detc(
        &["validate", "--color", "never", "--no-extensions"],
        t.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("error[S007]").count(), 2, "{out}");
    assert!(out.contains("without a `playbooks/` folder"), "{out}");
    for dir in ["playbooks", "removed"] {
        std::fs::create_dir_all(t.path().join(dir)).unwrap();
    }
    let (code, out) = detc(
        &["validate", "--color", "never", "--no-extensions"],
        t.path(),
    );
    assert_eq!(code, 0, "{out}");
    // The shipped content uses detc's extensions.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (code, out) = detc(&["validate", "--color", "never", "--no-extensions"], &root);
    assert_eq!(code, 1, "{out}");
    // One per shipped detection that lists detection strategies, counted
    // from the files so that adding a detection needs no edit here.
    let with_strategies = std::fs::read_dir(root.join("detections/cloud"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            std::fs::read_to_string(e.path())
                .is_ok_and(|t| t.contains("\n  mitre_attack_detection_strategies:\n"))
        })
        .count();
    assert!(with_strategies >= 6);
    assert_eq!(
        out.matches("`tags.mitre_attack_detection_strategies` is a detc extension")
            .count(),
        with_strategies,
        "{out}"
    );
    assert_eq!(
        out.matches("`written_by` is a detc extension").count(),
        4,
        "{out}"
    );
    assert!(
        !out.contains("folder"),
        "the repository has playbooks/ and removed/: {out}"
    );
    // The same from detc.toml.
    std::fs::write(t.path().join("detc.toml"), "[schema]\nextensions = false\n").unwrap();
    let ext = t
        .path()
        .join("detections/endpoint/anomalous_usage_of_7zip.yml");
    let text = std::fs::read_to_string(&ext).unwrap();
    std::fs::write(
        &ext,
        text.replacen(
            "\ntags:\n",
            "\ntags:\n  mitre_attack_analytics:\n  - AN0001\n",
            1,
        ),
    )
    .unwrap();
    let (code, out) = detc(&["validate", "--color", "never"], t.path());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[S007]: `tags.mitre_attack_analytics` is a detc extension"),
        "{out}"
    );
}

/// `docs/extensions.md` lists exactly the extensions detc reads.
#[test]
fn docs_extensions_md_lists_every_extension() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/extensions.md"),
    )
    .unwrap();
    assert!(
        doc.contains(&detc_content::extensions::markdown_table()),
        "docs/extensions.md's table differs from detc_content::extensions::EXTENSIONS:\n{}",
        detc_content::extensions::markdown_table()
    );
}

/// `detc` with `args` run in the folder `cwd`: exit code, stdout, stderr.
fn detc_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_detc"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn files_and_folders_are_checked_in_their_content_root_and_shown_from_where_detc_runs() {
    // The content root is a sub-folder of a repository.
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("packs/seed"), &t.path().join("content"));
    let det = "detections/cloud/cloud_api_calls_from_previously_unseen_user_roles.yml";
    let clean = "detections/endpoint/anomalous_usage_of_7zip.yml";
    assert!(t.path().join("content").join(clean).is_file());

    // From the repository: the broken file, with its path from there.
    let (code, out, _) = detc_in(
        t.path(),
        &["validate", "--color", "never", &format!("content/{det}")],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("--> content/{det}:31:43")), "{out}");
    assert!(out.ends_with("4 errors, 0 warnings\n"), "{out}");

    // A clean file of the same content reports nothing and passes.
    let (code, out, _) = detc_in(
        t.path(),
        &["validate", "--color", "never", &format!("content/{clean}")],
    );
    assert_eq!((code, out.as_str()), (0, "0 errors, 0 warnings\n"));

    // From inside the content: paths as git shows them.
    let (code, out, _) = detc_in(
        &t.path().join("content/detections"),
        &["validate", "--color", "never", "cloud"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("--> cloud/cloud_api_calls_from_previously_unseen_user_roles.yml:31:43"),
        "{out}"
    );

    // Outside any content root: a usage error that says what to pass.
    let (code, _, err) = detc_in(t.path(), &["validate", "."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("error: no contentctl.yml in `.` or any folder above it"),
        "{err}"
    );
}

#[test]
fn sarif_locations_are_relative_to_a_base_the_run_names() {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("packs/seed"), &t.path().join("content"));
    let (code, out, _) = detc_in(t.path(), &["validate", "--format", "sarif", "content"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let run = &v["runs"][0];
    let loc = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        loc["uri"],
        "content/detections/cloud/cloud_api_calls_from_previously_unseen_user_roles.yml"
    );
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let cwd = t.path().canonicalize().unwrap();
    assert_eq!(base, format!("file://{}/", cwd.display()));
}

#[test]
fn sarif_validates_against_the_oasis_sarif_2_1_0_schema() {
    let Some(python) = common::python() else {
        return;
    };
    let schema = common::repo().join("target/sarif-schema/sarif-2.1.0-rtm.5.json");
    assert!(
        schema.is_file(),
        "scripts/setup-py-tools.sh fetches the schema"
    );
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("packs/seed"), &t.path().join("content"));
    // With a baseline, so that baselineState is checked too.
    let baseline = t.path().join("baseline.json");
    let (code, _, err) = detc_in(
        t.path(),
        &[
            "validate",
            "--write-baseline",
            baseline.to_str().unwrap(),
            "content",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let broken = t
        .path()
        .join("content/detections/endpoint/anomalous_usage_of_7zip.yml");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(
        &broken,
        text.replacen("message: ", "message: $no_such_field$ ", 1),
    )
    .unwrap();
    let (code, sarif, _) = detc_in(
        t.path(),
        &[
            "validate",
            "--format",
            "sarif",
            "--baseline",
            baseline.to_str().unwrap(),
            "content",
        ],
    );
    assert_eq!(code, 1);
    assert!(sarif.contains("\"baselineState\": \"new\""), "{sarif}");
    assert!(
        sarif.contains("\"baselineState\": \"unchanged\""),
        "{sarif}"
    );
    let log = t.path().join("detc.sarif");
    std::fs::write(&log, &sarif).unwrap();
    let (code, out) = common::run_tool(
        std::process::Command::new(python)
            .arg(common::repo().join("scripts/check-sarif.py"))
            .arg(&schema)
            .arg(&log),
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_documented_github_workflow_follows_githubs_schema() {
    let Some(python) = common::python() else {
        return;
    };
    let doc = std::fs::read_to_string(common::repo().join("docs/ci.md")).unwrap();
    let workflow = doc
        .split("```yaml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.contains("jobs:"))
        .expect("docs/ci.md shows a workflow");
    assert!(workflow.contains("upload-sarif") && workflow.contains("--format sarif"));
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("detc.yml");
    std::fs::write(&file, workflow).unwrap();
    let (code, out) = common::run_tool(
        std::process::Command::new(python.with_file_name("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(&file),
    );
    assert_eq!(code, 0, "{out}");
}

/// `detc rules CODE` prints the rule's documentation from the doc comment
/// of its own file, with its level and which contentctl has it; an
/// unknown code is a usage error.
#[test]
fn rules_code_prints_one_rule() {
    let t = pack("init");
    let run = |code: &str| detc_in(t.path(), &["rules", code]);
    let (code, out, _) = run("q008");
    assert_eq!(code, 0);
    assert!(out.starts_with("Q008 firstseen-state-lookup: "), "{out}");
    assert!(
        out.contains("Default level: error. contentctl 4.x: does not have it. contentctl 5.6: does not have it."),
        "{out}"
    );
    for section in detc_content::rules::docs::SECTIONS {
        assert!(out.contains(section), "{section}: {out}");
    }
    assert!(out.contains("store=kvstore"), "{out}");
    assert!(
        out.contains("crates/detc-content/src/rules/firstseen/q008_firstseen_state_lookup.rs"),
        "{out}"
    );
    let (code, out, _) = run("filter-macro-misplaced");
    assert_eq!(code, 0);
    assert!(out.starts_with("Q002 "), "{out}");
    let (code, _, err) = run("Z999");
    assert_eq!(code, 2);
    assert!(err.contains("no rule `Z999`"), "{err}");
}

/// A reader that goes away (`detc rules | head -1`) ends detc quietly, as
/// it ends other Unix tools, instead of a panic on the closed pipe.
#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_detc"))
        .arg("rules")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before detc has started writing.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
}
