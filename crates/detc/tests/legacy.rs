//! contentctl 4.x content end to end: `tests/fixtures/packs/legacy4` is
//! real security_content v4.42.0 content (3 cloud detections, their
//! stories, macros, data sources, deployments, a csv lookup whose file is
//! not named after it, a KV store lookup, a story with under-indented
//! quoted lines). It is validated, built and migrated by the real binary.

use common::detc;
use std::path::Path;

mod common;

fn pack() -> tempfile::TempDir {
    common::pack("legacy4")
}

/// `detc build --cap-lints warn --no-docs` of the pack at `root` into
/// `dist`. The pack never calls firstseen, so no binary is needed.
fn build(root: &Path, dist: &Path) -> Option<(i32, String, String)> {
    let dist = dist.to_string_lossy();
    Some(detc(
        &[
            "build",
            "--color",
            "never",
            "--no-docs",
            "--cap-lints",
            "warn",
            "--out",
            &dist,
        ],
        root,
    ))
}

#[test]
fn a_4x_pack_validates_with_only_its_real_defect_as_error() {
    let t = pack();
    let (code, out, _) = detc(&["validate", "--color", "never"], t.path());
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error[")).collect();
    // The Anomaly names `dest` as its victim, but its search groups by user only.
    assert_eq!(
        errors,
        [
            "error[R002]: the risk object field `dest` is not a field the search outputs [risk-object-field]"
        ],
        "{out}"
    );
    // contentctl 5-only rules are warnings on 4.x files, with the reason.
    assert!(
        out.contains("warning[A004]: both `T1078` and its own sub-technique `T1078.004`"),
        "{out}"
    );
    assert!(
        out.contains("contentctl 4.4.7 accepts this in 4.x content"),
        "{out}"
    );
    assert!(out.contains("warning[Y010]"), "{out}");
    assert!(!out.contains("M001"), "one format only: {out}");
}

#[test]
fn lint_levels_come_from_flags_and_detc_toml() {
    let t = pack();
    // R002 is detc's own rule: --cap-lints warn lowers it.
    let (code, out, _) = detc(
        &["validate", "--color", "never", "--cap-lints", "warn"],
        t.path(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[R002]"), "{out}");
    let (code, out, _) = detc(
        &[
            "validate",
            "--color",
            "never",
            "--allow",
            "risk-object-field",
        ],
        t.path(),
    );
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("R002"), "{out}");
    // deny beats the format's downgrade.
    let (code, out, _) = detc(
        &[
            "validate", "--color", "never", "--allow", "R002", "--deny", "A004",
        ],
        t.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[A004]"), "{out}");
    // Schema errors cannot be lowered; an unknown rule is a usage error.
    let (code, _, err) = detc(&["validate", "--warn", "S001"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("cannot be lowered"), "{err}");
    let (code, _, err) = detc(&["validate", "--allow", "X123"], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("no rule is named `X123`"), "{err}");
    // The same from detc.toml.
    std::fs::write(
        t.path().join("detc.toml"),
        "[lints]\nR002 = \"warn\"\nA004 = \"allow\"\n",
    )
    .unwrap();
    let (code, out, _) = detc(&["validate", "--color", "never"], t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[R002]") && !out.contains("A004"),
        "{out}"
    );
}

#[test]
fn a_4x_pack_builds_with_the_4x_risk_mapping() {
    let t = pack();
    let dist = t.path().join("out");
    let Some((code, out, err)) = build(t.path(), &dist) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    let app = dist.join("DA-ESS-ContentUpdate/default");
    let ss = std::fs::read_to_string(app.join("savedsearches.conf")).unwrap();
    let stanza = ss
        .split("\n[")
        .find(|s| s.starts_with("ESCU - ASL AWS Defense Evasion Stop Logging Cloudtrail - Rule]"))
        .expect("stanza");
    // confidence 90 * impact 100 / 100 = 90; `user` (Victim, User) is a user risk
    // object, `src_ip` (Attacker, IP Address) an ip_address threat object, in
    // the observables' order, as contentctl 4.4.7 writes them.
    assert!(
        stanza.contains(r#"action.risk.param._risk = [{"threat_object_field":"src_ip","threat_object_type":"ip_address"},{"risk_object_field":"user","risk_object_type":"user","risk_score":90}]"#),
        "{stanza}"
    );
    assert!(
        stanza.contains("action.risk.param._risk_message = "),
        "{stanza}"
    );
    let transforms = std::fs::read_to_string(app.join("transforms.conf")).unwrap();
    assert!(
        transforms.contains("[security_services_lookup]\nfilename = security_services.csv"),
        "{transforms}"
    );
    assert!(
        dist.join("DA-ESS-ContentUpdate/lookups/security_services.csv")
            .is_file()
    );
    assert!(
        transforms.contains("fields_list = _key, filter, enough_data"),
        "{transforms}"
    );
}

/// What contentctl 4.4.7 builds besides detections: the response tasks
/// of `investigations/` (saved searches, their analyticstories.conf
/// stanzas, ES workbench panels) and the pack's `app_template/`.
#[test]
fn a_4x_pack_builds_its_response_tasks_and_app_template() {
    let t = pack();
    let dist = t.path().join("out");
    let Some((code, out, err)) = build(t.path(), &dist) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    let app = dist.join("DA-ESS-ContentUpdate");
    let read =
        |p: &str| std::fs::read_to_string(app.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let ss = read("default/savedsearches.conf");
    let task = ss
        .split("\n[")
        .find(|s| s.starts_with("ESCU - AWS Investigate User Activities By ARN - Response Task]"))
        .expect("the response task's stanza");
    for line in [
        "action.escu.search_type = investigative",
        r#"action.escu.analytic_story = ["AWS Defense Evasion","AWS IAM Privilege Escalation"]"#,
        "disabled = true",
        "search = `cloudtrail` | search user=$user$| table _time",
    ] {
        assert!(task.contains(line), "{line}\n{task}");
    }
    let stories = read("default/analyticstories.conf");
    assert!(stories.contains("[savedsearch://ESCU - Get All AWS Activity From IP Address - Response Task]\ntype = investigation"), "{stories}");
    let story = stories
        .split("\n[")
        .find(|s| s.starts_with("analytic_story://Suspicious Cloud Instance Activities]"))
        .unwrap();
    assert!(story.contains(r#"- Response Task"]"#), "{story}");
    // One workbench panel per task with inputs; a field-menu link for one input.
    let panels = read("default/es_investigations.conf");
    assert!(
        panels.contains(
            "[panel://workbench_panel_aws_investigate_user_activities_by_arn___response_task]"
        ),
        "{panels}"
    );
    assert!(panels.contains(r#""value": "identity""#), "{panels}");
    let actions = read("default/workflow_actions.conf");
    assert!(actions.contains("link.uri = /app/$@namespace$/ess_workbench_panel?type_identity=$@field_value$&panel=workbench_panel_aws_investigate_user_activities_by_arn___response_task"), "{actions}");
    let xml = read(
        "default/data/ui/panels/workbench_panel_get_all_aws_activity_from_ip_address___response_task.xml",
    );
    assert!(
        xml.contains("<query>`cloudtrail` | iplocation sourceIPAddress | search src_ip=$src_ip$"),
        "{xml}"
    );
    // app_template: copied as is, except the files the build generates.
    assert!(app.join("static/appIcon.png").is_file());
    assert!(app.join("README/essoc_summary.txt").is_file());
    assert!(read("metadata/default.meta").contains("[correlationsearches]"));
    assert!(read("default/commands.conf").contains("#[dnstwist]"));
    assert!(!app.join("linux_x86_64/bin/firstseen").exists());
    // A dashboard: its Dashboard Studio JSON in a Simple XML view.
    let view = read("default/data/ui/views/rmm_software_tracking.xml");
    assert!(view.starts_with("<dashboard version=\"2\" theme=\"light\">\n    <label>ESCU - RMM Software Tracking</label>"), "{view}");
    assert!(view.contains("<definition><![CDATA[\n{"), "{view}");
    // A csv the template ships gets a transforms.conf stanza of its name.
    assert!(app.join("lookups/mitre_enrichment.csv").is_file());
    let transforms = read("default/transforms.conf");
    assert!(
        transforms.contains("[mitre_enrichment]\nfilename = mitre_enrichment.csv\n"),
        "{transforms}"
    );
    let version = read("default/content-version.conf");
    assert!(
        version.contains("version = 4.42.0"),
        "generated over the template's 4.9.0: {version}"
    );
}

#[test]
fn migrate_rewrites_4x_into_5x_that_validates_and_is_idempotent() {
    let t = pack();
    // A comment and the key order survive.
    let det = t
        .path()
        .join("detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    std::fs::write(
        &det,
        format!("# Reviewed 2024-10 by the cloud team.\n{text}"),
    )
    .unwrap();
    let (code, out, _) = detc(&["migrate"], t.path());
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "would migrate detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml"
        ),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&det).unwrap().lines().next(),
        Some("# Reviewed 2024-10 by the cloud team.")
    );
    let (code, out, err) = detc(&["migrate", "--in-place", "--color", "never"], t.path());
    // The R002 defect stays: migration does not invent fields.
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(
            "rename lookups/security_services.csv -> lookups/security_services_lookup.csv"
        ),
        "{out}"
    );
    let migrated = std::fs::read_to_string(&det).unwrap();
    assert!(migrated.starts_with("# Reviewed 2024-10 by the cloud team.\nname: ASL AWS Defense Evasion Stop Logging Cloudtrail\n"), "{migrated}");
    for gone in [
        "observable:",
        "risk_score:",
        "confidence:",
        "impact:",
        "required_fields:",
        "update_timestamp",
        "  - T1562\n",
    ] {
        assert!(!migrated.contains(gone), "{gone} left in\n{migrated}");
    }
    assert!(migrated.contains("rba:\n  message: "), "{migrated}");
    assert!(
        migrated.contains("  - field: user\n    type: user\n    score: 90\n"),
        "{migrated}"
    );
    assert!(
        migrated.contains("  threat_objects:\n  - field: src_ip\n    type: ip_address\n"),
        "{migrated}"
    );
    let (code, out, _) = detc(&["validate", "--color", "never"], t.path());
    assert_eq!(code, 1);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].starts_with("error[R002]"), "{out}");
    assert!(
        !out.contains("A004") && !out.contains("D002") && !out.contains("R005"),
        "{out}"
    );
    // What contentctl 5.6.2 requires beyond the objects themselves: the base
    // fields of every lookup (a stable id), and the playbooks/ and removed/
    // folders, even empty.
    let lookup =
        std::fs::read_to_string(t.path().join("lookups/security_services_lookup.yml")).unwrap();
    for line in ["\nversion: 1\n", "\ndate: '", "\nauthor: "] {
        assert!(lookup.contains(line), "{line}: {lookup}");
    }
    assert!(
        lookup.contains("\nid: 453214f7-4a8f-510d-adaf-525b0372998a\n"),
        "a UUID v5 of the lookup's name, the same at every run: {lookup}"
    );
    for dir in ["playbooks", "removed"] {
        assert!(t.path().join(dir).join(".gitkeep").is_file(), "{dir}/");
    }
    // Twice changes nothing.
    let (code, out, _) = detc(&["migrate", "--in-place"], t.path());
    assert_eq!(code, 0);
    assert_eq!(out, "nothing to migrate: no contentctl 4.x file\n");
    assert_eq!(std::fs::read_to_string(&det).unwrap(), migrated);
}

/// What contentctl 5.6.2 will refuse and only a person can fix is listed by
/// `detc migrate` with its line, and a name listed twice is deduplicated.
#[test]
fn migrate_lists_what_needs_a_human_and_drops_repeated_names() {
    let t = pack();
    let det = t
        .path()
        .join("detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    let text = text.replacen(
        "data_source: []\n",
        "data_source:\n- AWS CloudTrail NoSuchEvent\n",
        1,
    );
    let story_line = text
        .lines()
        .skip_while(|l| *l != "  analytic_story:")
        .nth(1)
        .unwrap()
        .to_string();
    let text = text.replacen(
        &format!("{story_line}\n"),
        &format!("{story_line}\n{story_line}\n"),
        1,
    );
    std::fs::write(&det, text).unwrap();
    let (_, out, _) = detc(&["migrate", "--in-place", "--color", "never"], t.path());
    assert!(
        out.contains(
            "note: needs a human: line 10: no data source is named `AWS CloudTrail NoSuchEvent`"
        ),
        "{out}"
    );
    assert!(out.contains("note: removed the second `"), "{out}");
    let migrated = std::fs::read_to_string(&det).unwrap();
    assert_eq!(migrated.matches(&story_line).count(), 1, "{migrated}");
}

#[test]
fn a_4x_correlation_gets_the_rba_notable_title_and_a_ttp_does_not() {
    // The copy also names an Atomic Red Team test, in upper case.
    let t = pack();
    // A second copy of the TTP detection, as a Correlation (a risk-threshold search).
    let src = t
        .path()
        .join("detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml");
    let text = std::fs::read_to_string(&src).unwrap();
    let corr = text
        .replacen("type: TTP", "type: Correlation", 1)
        .replacen(
            "name: ASL AWS Defense Evasion Stop Logging Cloudtrail",
            "name: ASL AWS Stop Logging Correlation",
            1,
        )
        .replacen("id: ", "id: 0", 1)
        .replace(
            "asl_aws_defense_evasion_stop_logging_cloudtrail_filter",
            "asl_aws_stop_logging_correlation_filter",
        );
    let id_line = corr.lines().find(|l| l.starts_with("id: ")).unwrap();
    let corr = corr
        .replacen(id_line, "id: 5b8b1d2e-7a3c-4f5e-9d6a-0c1b2a3f4e5d", 1)
        .replacen(
            "\ntags:\n",
            "\ntags:\n  atomic_guid:\n  - 90BC2E54-6C84-47A5-9439-0A2A92B4B175\n",
            1,
        );
    std::fs::write(
        t.path()
            .join("detections/cloud/asl_aws_stop_logging_correlation.yml"),
        corr,
    )
    .unwrap();
    let dist = t.path().join("out");
    let Some((code, out, err)) = build(t.path(), &dist) else {
        return;
    };
    assert_eq!(code, 0, "{out}{err}");
    let ss = std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/savedsearches.conf"))
        .unwrap();
    let stanza = |name: &str| -> String {
        ss.split("\n[")
            .find(|s| s.starts_with(&format!("ESCU - {name} - Rule]")))
            .unwrap_or_else(|| panic!("no stanza {name}"))
            .to_string()
    };
    let corr = stanza("ASL AWS Stop Logging Correlation");
    let ttp = stanza("ASL AWS Defense Evasion Stop Logging Cloudtrail");
    let title = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("action.notable.param.rule_title = "))
            .map(str::to_string)
    };
    assert_eq!(
        title(&corr).as_deref(),
        Some("action.notable.param.rule_title = RBA: ASL AWS Stop Logging Correlation"),
        "{corr}"
    );
    assert!(title(&ttp).is_none_or(|t| !t.contains("RBA: ")), "{ttp}");
    // contentctl writes the GUIDs as `str(uuid.UUID(...))`: lower case.
    assert!(
        corr.contains(
            "\naction.escu.atomic_red_team_guids = [\"90bc2e54-6c84-47a5-9439-0a2a92b4b175\"]\n"
        ),
        "{corr}"
    );
    assert!(!ttp.contains("atomic_red_team_guids"), "{ttp}");
}

#[test]
fn migrate_out_copies_the_root_leaves_the_original_and_refuses_a_used_folder() {
    let t = pack();
    let det = "detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml";
    let before = std::fs::read_to_string(t.path().join(det)).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let dest = out_dir.path().join("migrated");
    let dest_s = dest.to_string_lossy().to_string();
    // One file: only it is migrated, into a copy of the whole root.
    let (code, out, err) = detc(&["migrate", "--out", &dest_s], &t.path().join(det));
    assert!(code == 0 || code == 1, "{out}{err}");
    assert!(out.contains(&format!("migrated {det}")), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("migrated ")).count(),
        2,
        "one file, then the summary: {out}"
    );
    assert_eq!(std::fs::read_to_string(t.path().join(det)).unwrap(), before);
    let migrated = std::fs::read_to_string(dest.join(det)).unwrap();
    assert!(migrated.contains("rba:\n"), "{migrated}");
    assert!(dest.join("contentctl.yml").is_file());
    // The folder now has files: a second run must not mix into it.
    let (code, _, err) = detc(&["migrate", "--out", &dest_s], t.path());
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exists and is not empty; pass a new folder to --out"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(dest.join(det)).unwrap(), migrated);
}

/// Adoption on a repository with known defects: `--write-baseline` records
/// today's findings, `--baseline` reports only new ones (exit 1 only for
/// them) and SARIF carries `baselineState`.
#[test]
fn a_baseline_fails_only_on_new_findings() {
    let t = pack();
    let file = t.path().join("detc-baseline.json");
    let f = file.to_string_lossy().to_string();
    let (code, _, err) = detc(&["validate", "--write-baseline", &f], t.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 7 finding(s)"), "{err}");
    let (code, out, _) = detc(
        &["validate", "--color", "never", "--baseline", &f],
        t.path(),
    );
    assert_eq!(code, 0, "the known R002 error no longer fails: {out}");
    assert_eq!(
        out,
        "0 errors, 0 warnings (7 known from the baseline, not shown)\n"
    );
    // A new defect: `dest` as a second risk object of another detection,
    // with lines added above the known ones.
    let det = t
        .path()
        .join("detections/cloud/asl_aws_defense_evasion_stop_logging_cloudtrail.yml");
    let text = std::fs::read_to_string(&det).unwrap();
    let text = text.replacen(
        "  - name: user\n",
        "  - name: dest\n    type: Hostname\n    role:\n    - Victim\n  - name: user\n",
        1,
    );
    std::fs::write(&det, format!("# moved down\n# by two lines\n{text}")).unwrap();
    let (code, out, _) = detc(
        &["validate", "--color", "never", "--baseline", &f],
        t.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out.matches("error[").count(), 1, "{out}");
    assert!(
        out.contains("asl_aws_defense_evasion_stop_logging_cloudtrail.yml:41:11"),
        "{out}"
    );
    let (_, sarif, _) = detc(
        &["validate", "--format", "sarif", "--baseline", &f],
        t.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let states: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.iter().filter(|s| **s == "new").count(),
        1,
        "{states:?}"
    );
    assert_eq!(
        states.iter().filter(|s| **s == "unchanged").count(),
        7,
        "{states:?}"
    );
    // A broken baseline is a usage error that says what to do.
    std::fs::write(&file, "{").unwrap();
    let (code, _, err) = detc(&["validate", "--baseline", &f], t.path());
    assert_eq!(code, 2);
    assert!(err.contains("--write-baseline"), "{err}");
}

/// The full security_content v4.42.0 (`../shared`, beside the clone; a
/// hard failure under CI, skipped elsewhere without it): `detc build
/// --cap-lints warn` builds it unmodified with no other flag and no
/// firstseen binary, into the 1,824 saved searches contentctl 4.4.7 writes.
#[test]
fn the_full_security_content_v4_42_0_builds_with_cap_lints_alone() {
    let Some(root) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let (code, stdout, err) = build(&root, &dist).unwrap();
    assert_eq!(
        code,
        0,
        "{stdout}{}",
        &err[err.len().saturating_sub(3000)..]
    );
    assert!(
        stdout.starts_with("built DA-ESS-ContentUpdate 4.42.0: "),
        "{stdout}"
    );
    let ss = std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/savedsearches.conf"))
        .unwrap();
    assert_eq!(ss.lines().filter(|l| l.starts_with('[')).count(), 1824);
    assert!(!dist.join("DA-ESS-ContentUpdate/linux_x86_64").exists());
    // commands.conf is the app_template's own (commented-out examples).
    let commands =
        std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/commands.conf")).unwrap();
    assert!(!commands.contains("[firstseen]"), "{commands}");
}

/// The stanza of savedsearches.conf that starts with `head`.
fn stanza_of<'a>(conf: &'a str, head: &str) -> &'a str {
    conf.split("\n[")
        .find(|s| s.starts_with(head))
        .unwrap_or_else(|| panic!("no stanza [{head}"))
}

/// The same 4.x pack built as contentctl 4.0.4 (ESCU v4.33.0's era) and as
/// 4.4.7: each gets what its contentctl's templates and models write
/// (`savedsearches_detections.j2`, `detection_abstract.py` of each).
#[test]
fn a_4x_pack_builds_as_the_contentctl_it_names() {
    let t = pack();
    // A csv no lookup names: contentctl 4.0.4 ships it (4.1.5 and later
    // refuse it, L003).
    std::fs::write(t.path().join("lookups/unnamed_list.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(
        t.path().join("detc.toml"),
        "[build]\ncontentctl = \"4.0.4\"\n",
    )
    .unwrap();
    let dist = t.path().join("out-4.0.4");
    let (code, out, err) = build(t.path(), &dist).unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(
            "4.x content is built as contentctl 4.0.4 built it ([build] contentctl in detc.toml)"
        ),
        "{out}"
    );
    let app = dist.join("DA-ESS-ContentUpdate");
    let ss = std::fs::read_to_string(app.join("default/savedsearches.conf")).unwrap();
    let s = stanza_of(
        &ss,
        "ESCU - ASL AWS Defense Evasion Stop Logging Cloudtrail - Rule]",
    );
    assert!(
        s.contains("action.escu.full_search_name = ESCU - ASL AWS Defense Evasion Stop Logging Cloudtrail - Rule\n"),
        "{s}"
    );
    // Every notable was `high` before 4.4.0.
    assert!(s.contains("action.notable.param.severity = high\n"), "{s}");
    let annotations = s
        .lines()
        .find(|l| l.starts_with("action.correlationsearch.annotations = "))
        .unwrap();
    for absent in ["type_list", "data_source", "mitre_attack_tactic"] {
        assert!(!annotations.contains(absent), "{absent}: {annotations}");
    }
    assert!(!s.contains("publish_time"), "{s}");
    assert!(!s.contains("drilldown_searches"), "{s}");
    let task = stanza_of(
        &ss,
        "ESCU - AWS Investigate User Activities By ARN - Response Task]",
    );
    assert!(task.contains("action.escu.full_search_name = "), "{task}");
    assert!(app.join("lookups/unnamed_list.csv").is_file());
    let transforms = std::fs::read_to_string(app.join("default/transforms.conf")).unwrap();
    assert!(!transforms.contains("unnamed_list"), "{transforms}");
    // 4.0.4 reads neither dashboards/ nor data_sources/.
    assert!(
        !app.join("default/data/ui/views/rmm_software_tracking.xml")
            .exists()
    );
    assert!(!app.join("lookups/data_sources.csv").exists());

    // The same content as contentctl 4.4.7.
    std::fs::write(
        t.path().join("detc.toml"),
        "[build]\ncontentctl = \"4.4.7\"\n",
    )
    .unwrap();
    std::fs::remove_file(t.path().join("lookups/unnamed_list.csv")).unwrap();
    let dist = t.path().join("out-4.4.7");
    let (code, out, err) = build(t.path(), &dist).unwrap();
    assert_eq!(code, 0, "{out}{err}");
    let app = dist.join("DA-ESS-ContentUpdate");
    let ss = std::fs::read_to_string(app.join("default/savedsearches.conf")).unwrap();
    let s = stanza_of(
        &ss,
        "ESCU - ASL AWS Defense Evasion Stop Logging Cloudtrail - Rule]",
    );
    assert!(!s.contains("full_search_name"), "{s}");
    assert!(
        s.contains("action.notable.param.drilldown_searches = "),
        "{s}"
    );
    let annotations = s
        .lines()
        .find(|l| l.starts_with("action.correlationsearch.annotations = "))
        .unwrap();
    assert!(annotations.contains(r#""type_list":["#), "{annotations}");
    assert!(annotations.contains(r#""data_source":["#), "{annotations}");
    // No contentctl writes the tactics of a 4.x detection.
    assert!(
        !annotations.contains("mitre_attack_tactic"),
        "{annotations}"
    );
    let app_conf = std::fs::read_to_string(app.join("default/app.conf")).unwrap();
    // ESCU (Splunkbase 3449) keeps Splunk's update check, as contentctl writes it.
    assert!(
        app_conf.contains("check_for_updates = true\n"),
        "{app_conf}"
    );
    assert!(
        app.join("default/data/ui/views/rmm_software_tracking.xml")
            .is_file()
    );
}

/// v4.33.0 (contentctl 4.0.4's era) and v4.40.0 (4.3.3's, `app.version`
/// 4.39.1) build with `--cap-lints warn` alone, each as its contentctl,
/// inferred from contentctl.yml, built it.
#[test]
fn older_full_releases_build_as_their_eras_contentctl() {
    for (release, version, tool, stanzas) in [
        ("v4.33.0", "4.33.0", "4.0.4", 1740),
        ("v4.40.0", "4.39.1", "4.3.3", 1815),
    ] {
        let Some(root) = detc_testkit::corpus(release) else {
            return;
        };
        let out = tempfile::tempdir().unwrap();
        let dist = out.path().join("dist");
        let (code, stdout, err) = build(&root, &dist).unwrap();
        assert_eq!(
            code,
            0,
            "{release}: {stdout}{}",
            &err[err.len().saturating_sub(3000)..]
        );
        assert!(
            stdout.starts_with(&format!("built DA-ESS-ContentUpdate {version}: ")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!("built as contentctl {tool} built it")),
            "{release}: {stdout}"
        );
        let ss =
            std::fs::read_to_string(dist.join("DA-ESS-ContentUpdate/default/savedsearches.conf"))
                .unwrap();
        assert_eq!(
            ss.lines().filter(|l| l.starts_with('[')).count(),
            stanzas,
            "{release}"
        );
        assert_eq!(
            ss.matches("\naction.escu.full_search_name = ").count(),
            stanzas,
            "{release}: every stanza names itself before contentctl 4.4.0"
        );
    }
}
