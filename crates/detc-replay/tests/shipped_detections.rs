//! The shipped detections (`detections/` at the top of the repository) on
//! real CloudTrail data, through their own searches.
//!
//! How a test replays a detection's attack data:
//!
//! 1. The records of each `tests[].attack_data[].data` file become CIM
//!    Change rows (`detc_replay::cloudtrail`, its table documents every field).
//! 2. For a detection that uses firstseen, a week of history must exist
//!    before it reports anything (`min_history=-7d@d`). The history is the
//!    benign part of the same data: every record whose user agent is not a
//!    Stratus Red Team detonation (`stratus-red-team_<uuid>`, how the
//!    datasets mark attack calls), replayed 8 days earlier. The search runs
//!    once on that history (filling the state lookup, as the scheduled runs
//!    of the past week would have), then on all the data, with the search's
//!    latest time one second after the last event.
//! 3. The search runs as written in the YAML, macros expanded from
//!    `macros/`, on the SPL subset of `detc_replay::spl`; firstseen is the
//!    real engine. The rows it returns are the findings.
//!
//! Each test lists the findings it expects and why, so a change to a
//! search, a macro or the engine that changes what fires fails here.

use detc_replay::{Row, cloudtrail, spl};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const HISTORY_SHIFT: i64 = 8 * 86_400;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Content {
    project: detc_content::load::Project,
}

impl Content {
    fn load() -> Content {
        let project = detc_content::load::load(&root());
        assert!(
            project.diags.is_empty(),
            "the shipped content must load cleanly: {:?}",
            project.diags
        );
        Content { project }
    }

    fn macro_def(&self, name: &str, arity: usize) -> Option<(Vec<String>, String)> {
        detc_content::rules::MacroIndex::new(&self.project.content).definition(name, arity)
    }

    fn detection(&self, name: &str) -> &detc_content::model::Detection {
        self.project
            .content
            .detections
            .iter()
            .find(|d| d.common.name() == name)
            .unwrap_or_else(|| panic!("no shipped detection named {name}"))
    }
}

/// Whether a record is part of an attack of the datasets, not of the
/// account's normal activity: Stratus Red Team marks its detonation calls
/// with the user agent `stratus-red-team_<uuid>` (in brackets for S3
/// calls), except the calls it makes
/// with stolen EC2 instance credentials (technique
/// `aws.credential-access.ec2-steal-instance-credentials`), which carry the
/// plain SDK user agent. Those are recognised as an instance's role session
/// (session name `i-<id>`) calling from a private address: the account's
/// instances call AWS from their public addresses (3.225.16.109 and
/// 52.45.102.28 in the Invictus data), the operator's workstation from
/// 192.168.10.20.
fn is_detonation(r: &serde_json::Value) -> bool {
    let s = |k: &str| r.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let arn = r
        .pointer("/userIdentity/arn")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let instance_session = arn.contains(":assumed-role/")
        && arn.rsplit('/').next().is_some_and(|x| x.starts_with("i-"));
    let private = s("sourceIPAddress")
        .parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_private());
    s("userAgent")
        .trim_start_matches('[')
        .starts_with("stratus-red-team_")
        || (instance_session && private)
}

/// Replays `data` (a path relative to the repository) through the
/// detection's search; returns its findings.
fn replay(content: &Content, detection: &str, data: &str) -> Vec<Row> {
    let d = content.detection(detection);
    let listed = d
        .tests
        .iter()
        .flat_map(|t| &t.attack_data)
        .any(|a| a.data.as_ref().is_some_and(|x| x.value == data));
    assert!(
        listed,
        "{detection}: `{data}` is not one of its tests' attack data"
    );
    let search = &d.search.as_ref().expect("a search").value;
    let records = cloudtrail::read_records(&root().join(data)).expect("attack data");
    let today: Vec<Row> = records.iter().filter_map(cloudtrail::change_row).collect();
    assert!(!today.is_empty(), "{data} has no CloudTrail API calls");
    let dir = tempfile::tempdir().expect("temp dir");
    let macros = |n: &str, a: usize| content.macro_def(n, a);
    let latest_of = |rows: &[Row]| {
        rows.iter()
            .filter_map(|r| r.first("_time")?.parse::<i64>().ok())
            .max()
            .unwrap_or(0)
            + 1
    };
    if search.contains("| firstseen ") {
        let history: Vec<Row> = records
            .iter()
            .filter(|r| !is_detonation(r))
            .filter_map(cloudtrail::change_row)
            .map(|mut r| {
                let t: i64 = r.first("_time").and_then(|t| t.parse().ok()).unwrap_or(0);
                r.set("_time", (t - HISTORY_SHIFT).to_string());
                r
            })
            .collect();
        let cx = spl::Context {
            macros: &macros,
            state_dir: dir.path().to_path_buf(),
            latest: latest_of(&history),
        };
        spl::run(search, &history, &cx).unwrap_or_else(|e| panic!("{detection} (history): {e}"));
    }
    let cx = spl::Context {
        macros: &macros,
        state_dir: dir.path().to_path_buf(),
        latest: latest_of(&today),
    };
    spl::run(search, &today, &cx).unwrap_or_else(|e| panic!("{detection}: {e}"))
}

/// The findings as `a|b|c` strings of the given fields (multivalue joined by `+`), sorted.
fn project(rows: &[Row], fields: &[&str]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| {
            fields
                .iter()
                .map(|f| r.values(f).join("+"))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn set(v: &[&str]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const INVICTUS: &str = "tests/fixtures/cloudtrail/invictus-aws-dataset.jsonl.gz";

/// Every shipped detection has a replay test below.
#[test]
fn every_shipped_detection_is_replayed() {
    let c = Content::load();
    let tested = [
        "Cloud API Calls From Previously Unseen User Roles",
        "Cloud API Use From Previously Unseen Client",
        "AWS IAM User Created And Given An Access Key",
        "Cloud Identity From Previously Unseen Network",
        "AWS Role Assumed For The First Time By Principal",
        "AWS CloudTrail Logging Stopped Or Altered",
    ];
    let shipped: BTreeSet<&str> = c
        .project
        .content
        .detections
        .iter()
        .map(|d| d.common.name())
        .collect();
    assert_eq!(shipped, tested.into_iter().collect::<BTreeSet<_>>());
    let on_firstseen = c
        .project
        .content
        .detections
        .iter()
        .filter(|d| {
            d.search
                .as_ref()
                .is_some_and(|s| s.value.contains("| firstseen "))
        })
        .count();
    assert!(on_firstseen >= 4, "{on_firstseen} detections use firstseen");
}

/// The one role with successful calls in the attack is the EC2 instance role
/// whose credentials Stratus stole through SSM: its SSM agent's calls from
/// the instance (UpdateInstanceInformation, PutInventory...) are its history,
/// and the two calls made with the stolen credentials from the operator's
/// workstation are new API calls for it. The other attack roles only made
/// failed calls (AccessDenied, UnauthorizedOperation), which the search
/// leaves out (`status=success`).
#[test]
fn unseen_api_calls_per_role_find_the_stolen_instance_credentials() {
    let c = Content::load();
    let rows = replay(
        &c,
        "Cloud API Calls From Previously Unseen User Roles",
        INVICTUS,
    );
    assert_eq!(
        project(&rows, &["user", "command", "src"]),
        set(&[
            "stratus-red-team-ec2-steal-credentials-role|DescribeInstances|192.168.10.20",
            "stratus-red-team-ec2-steal-credentials-role|GetCallerIdentity|192.168.10.20",
        ])
    );
    // Splunk-style times after `detc_ctime`, and firstseen's annotations.
    assert!(
        rows.iter()
            .all(|r| r.first("firstTime") == Some("2023-07-10T11:57:22")
                && r.first("isNew") == Some("1"))
    );
}

/// The Stratus tool calls with its own user agent (`stratus-red-team_<run>`,
/// one client for every identity that uses it), and the stolen instance
/// credentials were used with aws-sdk-go-v2 where the instance's SSM agent
/// uses aws-sdk-go. The identities' usual clients (Terraform's APN, Boto3,
/// the S3 and RDS consoles, Firefox for bert-jan and benjamin) are not
/// reported, nor are AWS services calling on an identity's behalf.
#[test]
fn unseen_clients_are_the_attack_tools() {
    let c = Content::load();
    let rows = replay(&c, "Cloud API Use From Previously Unseen Client", INVICTUS);
    assert_eq!(
        project(&rows, &["user", "client"]),
        set(&[
            "bert-jan|stratus-red-team",
            "stratus-red-team-ec2-get-password-data-role|stratus-red-team",
            "stratus-red-team-ec2-steal-credentials-role|aws-sdk-go-v2",
            "stratus-red-team-ec2lui-role-pcccexdthk|stratus-red-team",
            "stratus-red-team-ec2lui-role-wuzemnoeqa|stratus-red-team",
            "stratus-red-team-get-usr-data-role|stratus-red-team",
            "stratus-red-team-leave-org-role|stratus-red-team",
            "stratus-red-team-nmfalu-gfjyeaypjt|stratus-red-team",
        ])
    );
    // One finding per identity and client: bert-jan's 79 detonation runs are one row.
    let bert = rows
        .iter()
        .find(|r| r.first("user") == Some("bert-jan"))
        .expect("bert-jan");
    assert!(
        bert.values("user_agent").len() > 50,
        "{:?}",
        bert.values("user_agent").len()
    );
}

/// Stratus `iam-create-admin-user` creates `malicious-iam-user` and a key
/// for it within a second: one finding. `iam-backdoor-user` only adds a key
/// to an existing user: no finding. In the Invictus simulation, the same
/// admin-user detonation fires, and so does the Terraform set-up of the
/// `iam-backdoor-user` technique, which created `stratus-red-team-backdoor-u-user`
/// and a key for it a second apart: a real user-with-key creation, the kind
/// of infrastructure-as-code change the known false positives name.
#[test]
fn iam_user_with_access_key() {
    let c = Content::load();
    let d = "AWS IAM User Created And Given An Access Key";
    let f = ["user", "object", "command"];
    let rows = replay(
        &c,
        d,
        "tests/fixtures/cloudtrail/stratus/aws.persistence.iam-create-admin-user.json",
    );
    assert_eq!(
        project(&rows, &f),
        set(&["christophe|malicious-iam-user|CreateAccessKey+CreateUser"])
    );
    let rows = replay(
        &c,
        d,
        "tests/fixtures/cloudtrail/stratus/aws.persistence.iam-backdoor-user.json",
    );
    assert!(rows.is_empty(), "{rows:?}");
    let rows = replay(&c, d, INVICTUS);
    assert_eq!(
        project(&rows, &f),
        set(&[
            "bert-jan|malicious-iam-user|CreateAccessKey+CreateUser",
            "bert-jan|stratus-red-team-backdoor-u-user|CreateAccessKey+CreateUser",
        ])
    );
}

/// Every identity that called from the operator's network for the first
/// time is an attack identity: the roles Stratus created and assumed, the
/// console user it created, and, the point of the detection, the EC2
/// instance role whose stolen credentials were used outside its instance.
/// bert-jan and benjamin call from their usual networks.
#[test]
fn unseen_networks_find_the_stolen_instance_credentials() {
    let c = Content::load();
    let rows = replay(
        &c,
        "Cloud Identity From Previously Unseen Network",
        INVICTUS,
    );
    assert_eq!(
        project(&rows, &["user", "src_network"]),
        set(&[
            "stratus-red-team-ec2-get-password-data-role|192.168.10.0/24",
            "stratus-red-team-ec2-steal-credentials-role|192.168.10.0/24",
            "stratus-red-team-ec2lui-role-pcccexdthk|192.168.10.0/24",
            "stratus-red-team-ec2lui-role-wuzemnoeqa|192.168.10.0/24",
            "stratus-red-team-get-usr-data-role|192.168.10.0/24",
            "stratus-red-team-leave-org-role|192.168.10.0/24",
            "stratus-red-team-nmfalu-gfjyeaypjt|192.168.10.0/24",
        ])
    );
}

/// bert-jan assumed five roles that Stratus created for its detonations;
/// each is a first. AWS services assuming their roles (EC2, RDS, Lambda,
/// Inspector, Roles Anywhere) give the lookup its history and are never
/// reported, including the Lambda roles created during the attack.
#[test]
fn first_role_assumptions_are_the_detonation_roles() {
    let c = Content::load();
    let rows = replay(
        &c,
        "AWS Role Assumed For The First Time By Principal",
        INVICTUS,
    );
    assert_eq!(
        project(&rows, &["user", "role"]),
        set(&[
            "bert-jan|stratus-red-team-ec2-get-password-data-role",
            "bert-jan|stratus-red-team-ec2lui-role-pcccexdthk",
            "bert-jan|stratus-red-team-ec2lui-role-wuzemnoeqa",
            "bert-jan|stratus-red-team-get-usr-data-role",
            "bert-jan|stratus-red-team-leave-org-role",
        ])
    );
}

/// Each Stratus defense-evasion detonation fires once, with its trail. In
/// the Invictus simulation: the failed DeleteTrail and StopLogging attempts
/// (TrailNotFoundException: the detonations ran against trails already
/// gone) are reported as failures; both PutEventSelectors calls (the
/// detonation and its revert); and two DeleteTrail calls by Terraform, the
/// teardown of the techniques' trails, the infrastructure-as-code case of
/// the known false positives. Terraform's CreateTrail and StartLogging are
/// not reported.
#[test]
fn cloudtrail_tampering() {
    let c = Content::load();
    let d = "AWS CloudTrail Logging Stopped Or Altered";
    let f = ["user", "command", "object", "status"];
    for (file, want) in [
        (
            "aws.defense-evasion.cloudtrail-stop.json",
            "christophe|StopLogging|stratus-red-team-ct-stop-trail-buykxbqejv|success",
        ),
        (
            "aws.defense-evasion.cloudtrail-delete.json",
            "christophe|DeleteTrail|stratus-red-team-cloudtraild-trail-kvrwohmiai|success",
        ),
        (
            "aws.defense-evasion.cloudtrail-event-selectors.json",
            "christophe|PutEventSelectors|stratus-red-team-ctes-trail-khlvciwdor|success",
        ),
    ] {
        let rows = replay(&c, d, &format!("tests/fixtures/cloudtrail/stratus/{file}"));
        assert_eq!(project(&rows, &f), set(&[want]), "{file}");
    }
    let rows = replay(&c, d, INVICTUS);
    assert_eq!(
        project(&rows, &f),
        set(&[
            "bert-jan|DeleteTrail|stratus-red-team-cloudtraild-trail-aueolsaccp|failure",
            "bert-jan|DeleteTrail|stratus-red-team-ctes-trail-qyxyekjbtk|success",
            "bert-jan|DeleteTrail|stratus-red-team-ctlr-trail-zqfsvooxqj|success",
            "bert-jan|PutEventSelectors|stratus-red-team-ctes-trail-qyxyekjbtk|success",
            "bert-jan|StopLogging|stratus-red-team-ct-stop-trail-qzbgnfqisx|failure",
        ])
    );
    let stop = rows
        .iter()
        .find(|r| r.first("command") == Some("StopLogging"))
        .expect("StopLogging");
    assert_eq!(stop.values("result"), ["TrailNotFoundException"]);
    assert_eq!(stop.first("count"), Some("3"));
}
