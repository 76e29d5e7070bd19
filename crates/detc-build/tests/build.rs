//! `detc build` on fixture packs: every generated file reviewed as an insta
//! snapshot, read back by Splunk's own .conf parser, reproducible to the
//! byte, and every kind of bad input reported with the object and file.

mod common;

use common::*;
use detc_build::{App, FIRSTSEEN_PATH};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// Every non-executable file's text, copies (the lookups' csv files)
/// read from the content as the build writes them.
fn text_files(app: &App) -> Vec<(&str, String)> {
    app.files
        .iter()
        .filter(|f| !f.executable)
        .map(|f| {
            let bytes = f.bytes().expect("readable").into_owned();
            (f.path.as_str(), String::from_utf8(bytes).expect("utf-8"))
        })
        .collect()
}

/// The shipped content calls `firstseen`: its app defines the command
/// (commands.conf, searchbnf.conf, permissions, the capability that lets
/// admins change a CSV state) and the KV store collections that hold its
/// state, writable by admins only, and asks for the binary; the build
/// fixture pack, which never calls it, has none of them (above).
#[test]
fn an_app_whose_searches_call_firstseen_defines_the_command() {
    let app = generate(&repo());
    assert!(app.needs_firstseen);
    for path in [
        "default/authorize.conf",
        "default/collections.conf",
        "default/commands.conf",
        "default/searchbnf.conf",
        "metadata/default.meta",
    ] {
        let text = std::str::from_utf8(&app.file(path).expect(path).data).unwrap();
        insta::assert_snapshot!(format!("shipped__{}", path.replace('/', "__")), text);
    }
    let meta = std::str::from_utf8(&app.file("metadata/default.meta").unwrap().data).unwrap();
    assert!(meta.contains("[commands/firstseen]"), "{meta}");
    assert!(
        meta.contains("[collections/detc_cloud_api_calls_per_user_role]\naccess = read : [ * ], write : [ admin, sc_admin, ess_admin ]"),
        "{meta}"
    );
    let build = generate(&pack("build"));
    assert!(!build.needs_firstseen);
    assert!(build.file("default/authorize.conf").is_none());
}

#[test]
fn every_generated_file_matches_its_snapshot() {
    let app = generate(&pack("build"));
    let paths: Vec<&str> = app.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "README.md",
            "app.manifest",
            "default/analyticstories.conf",
            "default/app.conf",
            "default/collections.conf",
            "default/content-version.conf",
            "default/data/ui/nav/default.xml",
            "default/macros.conf",
            "default/savedsearches.conf",
            "default/server.conf",
            "default/transforms.conf",
            "lookups/aws_service_accounts_20260504.csv",
            "lookups/data_sources.csv",
            "metadata/default.meta",
        ]
    );
    for (path, text) in text_files(&app) {
        insta::assert_snapshot!(path.replace('/', "__"), text);
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&app.file("app.manifest").unwrap().data)
            .expect("app.manifest is JSON");
    assert_eq!(manifest["info"]["id"]["name"], "DetcBuildFixture");
    assert_eq!(manifest["info"]["id"]["version"], "1.2.3");
}

#[test]
fn collections_conf_is_left_out_without_kvstore_lookups() {
    let app = generate(&pack("init"));
    assert!(app.file("default/collections.conf").is_none());
    assert!(app.file("default/savedsearches.conf").is_some());
}

const READ: &str = r#"
import json, sys
import addonfactory_splunk_conf_parser_lib as m
p = m.TABConfigParser()
p.read(sys.argv[1])
print(json.dumps({s: {k: v for k, v in p.items(s) if k != "__name__"} for s in p.sections()}))
"#;

type ConfMap = BTreeMap<String, BTreeMap<String, String>>;

fn ours(text: &str) -> ConfMap {
    detc_conf::parse(text)
        .expect("parses")
        .into_iter()
        .map(|s| (s.name, s.entries.into_iter().collect()))
        .collect()
}

#[test]
fn splunk_conf_parser_reads_every_conf_as_written() {
    let Some(py) = python() else { return };
    let app = generate(&pack("build"));
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (path, text) in text_files(&app) {
        if !(path.ends_with(".conf") || path.ends_with(".meta")) {
            continue;
        }
        let file = dir.path().join(path.replace('/', "_"));
        std::fs::write(&file, &text).unwrap();
        let out = Command::new(&py)
            .arg("-c")
            .arg(READ)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let splunk: ConfMap = serde_json::from_slice(&out.stdout).unwrap();
        // The library keeps each continuation backslash and trims the start
        // of continued lines; splunkd drops the backslash. Compare both
        // the library's way.
        let norm = |m: ConfMap| -> ConfMap {
            m.into_iter()
                .map(|(s, kv)| {
                    let kv = kv
                        .into_iter()
                        .map(|(k, v)| {
                            let v = v.replace("\\\n", "\n");
                            (
                                k,
                                v.split('\n')
                                    .map(str::trim_start)
                                    .collect::<Vec<_>>()
                                    .join("\n"),
                            )
                        })
                        .collect();
                    (s, kv)
                })
                .collect()
        };
        let mut mine = ours(&text);
        if path.ends_with(".meta") {
            // The library's section pattern needs a name, so it skips
            // default.meta's global `[]` stanza (Splunk's app-wide
            // permissions); check that one here.
            let global = mine
                .remove("")
                .expect("default.meta has the global [] stanza");
            assert_eq!(global["export"], "system");
            assert_eq!(
                global["access"],
                "read : [ * ], write : [ admin, sc_admin ]"
            );
        }
        assert_eq!(norm(splunk), norm(mine), "{path}");
        checked += 1;
    }
    // Without firstseen the pack has no commands.conf or searchbnf.conf.
    assert_eq!(checked, 9);
    // And the values are what the content says (not only self-consistent).
    let saved =
        ours(std::str::from_utf8(&app.file("default/savedsearches.conf").unwrap().data).unwrap());
    let rule = &saved["Build Fixture - AWS IAM User Created With Access Key - Rule"];
    assert!(rule["search"].starts_with("`cloudtrail` eventName IN (\"CreateUser\", \"CreateAccessKey\") errorCode=success\n| rex field=requestParameters.userName \"(?<created_user>[^\\\\/]+)$\"\n| stats"));
    assert_eq!(
        rule["description"],
        "An identity created an IAM user and an access key for it within the search window.\n\nAttackers that hold IAM permissions create a user with long-lived keys to keep access."
    );
    assert_eq!(rule["action.notable.param.severity"], "high");
    assert_eq!(rule["alert.suppress.fields"], "user,created_user");
    let drill: serde_json::Value =
        serde_json::from_str(&rule["action.notable.param.drilldown_searches"]).unwrap();
    assert!(
        drill[0]["search"]
            .as_str()
            .unwrap()
            .starts_with("`cloudtrail` eventName IN"),
        "placeholder filled"
    );
    assert!(
        drill[0]["search"]
            .as_str()
            .unwrap()
            .ends_with("| search user = \"$user$\"")
    );
    let stories =
        ours(std::str::from_utf8(&app.file("default/analyticstories.conf").unwrap().data).unwrap());
    let narrative = &stories["analytic_story://Cobalt Strike"]["narrative"];
    assert!(
        narrative.contains("used by it.\\ \nSplunk Threat Research"),
        "the backslash is kept: {narrative}"
    );
}

fn tarball_entries(tgz: &[u8]) -> Vec<(String, u32, u64, u64, u64, Vec<u8>)> {
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(tgz));
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let h = e.header().clone();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        out.push((
            e.path().unwrap().to_string_lossy().into_owned(),
            h.mode().unwrap(),
            h.uid().unwrap(),
            h.gid().unwrap(),
            h.mtime().unwrap(),
            data,
        ));
    }
    out
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = generate(&pack("build"));
    let b = generate(&pack("build"));
    assert_eq!(a.files, b.files);
    let (ta, tb) = (
        a.tarball(1_700_000_000).unwrap(),
        b.tarball(1_700_000_000).unwrap(),
    );
    assert_eq!(ta, tb);
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let w1 = detc_build::write(&a, d1.path(), 1_700_000_000).unwrap();
    let w2 = detc_build::write(&b, d2.path(), 1_700_000_000).unwrap();
    assert_eq!(
        std::fs::read(&w1.tarball).unwrap(),
        std::fs::read(&w2.tarball).unwrap()
    );
    assert_eq!(std::fs::read(&w1.tarball).unwrap(), ta);
    assert_eq!(w1.tarball_bytes, ta.len() as u64);
    for f in &a.files {
        assert_eq!(
            std::fs::read(w2.folder.join(&f.path)).unwrap(),
            f.bytes().unwrap().into_owned(),
            "{}",
            f.path
        );
        let m = std::fs::metadata(w2.folder.join(&f.path)).unwrap();
        let secs = m
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(secs, 1_700_000_000, "{}", f.path);
    }
}

#[test]
fn the_tarball_is_sorted_owned_by_root_with_fixed_modes_and_time() {
    let app = generate(&pack("build"));
    let entries = tarball_entries(&app.tarball(315_532_800).unwrap());
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names[0], "DetcBuildFixture/");
    assert!(names.contains(&"DetcBuildFixture/default/data/ui/nav/"));
    for (name, mode, uid, gid, mtime, data) in &entries {
        assert_eq!((*uid, *gid, *mtime), (0, 0, 315_532_800), "{name}");
        if name.ends_with('/') {
            assert_eq!(*mode, 0o755, "{name}");
        } else {
            assert_eq!(*mode, 0o644, "{name}");
            let rel = name.strip_prefix("DetcBuildFixture/").unwrap();
            assert_eq!(
                &app.file(rel).unwrap().bytes().unwrap().into_owned(),
                data,
                "{name}"
            );
        }
    }
    assert_eq!(
        entries.iter().filter(|e| !e.0.ends_with('/')).count(),
        app.files.len()
    );
}

#[test]
fn write_replaces_the_previous_build_and_leaves_no_temporary_folder() {
    let app = generate(&pack("build"));
    let dist = tempfile::tempdir().unwrap();
    let w = detc_build::write(&app, dist.path(), 0).unwrap();
    std::fs::write(w.folder.join("default/stale.conf"), "[x]\n").unwrap();
    detc_build::write(&app, dist.path(), 0).unwrap();
    assert!(
        !w.folder.join("default/stale.conf").exists(),
        "the old app folder is replaced whole"
    );
    let mut names: Vec<String> = std::fs::read_dir(dist.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["DetcBuildFixture", "DetcBuildFixture-1.2.3.tar.gz"]);
}

#[test]
fn an_unwritable_dist_is_an_error_naming_the_path() {
    let app = generate(&pack("build"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dist");
    std::fs::write(&file, "not a folder").unwrap();
    let e = detc_build::write(&app, &file, 0).unwrap_err();
    assert!(e.message.contains(&file.display().to_string()), "{e}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");
}

/// A copy of the build pack with `edit` applied to one file.
fn edited(rel: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&pack("build"), dir.path());
    let p = dir.path().join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, edit(text)).unwrap();
    dir
}

#[test]
fn a_missing_lookup_file_names_the_lookup_and_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&pack("build"), dir.path());
    std::fs::remove_file(dir.path().join("lookups/aws_service_accounts.csv")).unwrap();
    // Generating without validating, as a library user could.
    let p = std::sync::Arc::new(detc_content::load(dir.path()));
    let errs = detc_build::generate(&p, &options(None)).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert!(
        errs[0].message.starts_with(
            "lookup `aws_service_accounts`: cannot read its file `lookups/aws_service_accounts.csv`"
        ),
        "{}",
        errs[0]
    );
}

/// A lookup's csv file is read when the app is written, not when it is
/// generated: the app holds it as written then, and a file that changed
/// size in between fails the write, naming it, with nothing put in place.
#[test]
fn a_lookup_file_is_copied_when_written_and_a_changed_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&pack("build"), dir.path());
    let csv = dir.path().join("lookups/aws_service_accounts.csv");
    let p = std::sync::Arc::new(detc_content::load(dir.path()));
    let app = detc_build::generate(&p, &options(None)).unwrap();
    let f = app
        .files
        .iter()
        .find(|f| f.path.starts_with("lookups/aws_service_accounts"))
        .expect("the lookup's file is in the app");
    assert!(f.data.is_empty(), "a copy is not held in memory");
    assert_eq!(
        f.bytes().unwrap().into_owned(),
        std::fs::read(&csv).unwrap()
    );

    let dist = tempfile::tempdir().unwrap();
    let w = detc_build::write(&app, dist.path(), 0).unwrap();
    assert_eq!(
        std::fs::read(w.folder.join(&f.path)).unwrap(),
        std::fs::read(&csv).unwrap()
    );

    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("extra_row,extra\n");
    std::fs::write(&csv, text).unwrap();
    let again = tempfile::tempdir().unwrap();
    let err = detc_build::write(&app, again.path(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("aws_service_accounts.csv") && err.contains("changed during the build"),
        "{err}"
    );
    assert!(
        !again.path().join(&app.appid).exists(),
        "nothing put in place"
    );
}

#[test]
fn a_search_line_ending_in_a_backslash_keeps_it_as_text() {
    // contentctl writes every line break as ` \`: a line's own backslash
    // stays text before the continuation, and Splunk reads the search back.
    let dir = edited(
        "detections/cloud/aws_iam_user_created_with_access_key.yml",
        |t| t.replace("| where calls = 2\n", "| where calls = 2 \\\n"),
    );
    let p = std::sync::Arc::new(detc_content::load(dir.path()));
    let app = detc_build::generate(&p, &options(None)).unwrap();
    let conf = std::str::from_utf8(&app.file("default/savedsearches.conf").unwrap().data)
        .unwrap()
        .to_string();
    assert!(
        conf.contains("| where calls = 2 \\ \\\n| `security_content_ctime(firstTime)`"),
        "{conf}"
    );
    let back = detc_conf::parse(&conf).unwrap();
    let search = back
        .iter()
        .find(|s| {
            s.name
                .ends_with("AWS IAM User Created With Access Key - Rule")
        })
        .and_then(|s| s.entries.iter().find(|(k, _)| k == "search"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        search.contains("| where calls = 2 \\ \n| `security_content_ctime"),
        "{search}"
    );
}

#[test]
fn a_search_whose_last_line_ends_in_a_backslash_is_refused_with_the_detection_and_file() {
    let dir = edited(
        "detections/cloud/aws_iam_user_created_with_access_key.yml",
        |t| {
            t.replace(
                "_access_key_filter`\nhow_to",
                "_access_key_filter` \\\nhow_to",
            )
        },
    );
    let p = std::sync::Arc::new(detc_content::load(dir.path()));
    let errs = detc_build::generate(&p, &options(None)).unwrap_err();
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:#?}");
    assert!(text[0].starts_with("detection `AWS IAM User Created With Access Key` (`detections/cloud/aws_iam_user_created_with_access_key.yml`): `search` cannot be written to a .conf file: its last line ends with a backslash"), "{}", text[0]);
}

#[test]
fn a_risk_message_ending_in_a_backslash_is_refused_with_the_detection_and_file() {
    let dir = edited(
        "detections/cloud/aws_iam_user_created_with_access_key.yml",
        |t| t.replace("from $src$\n", "from $src$ \\\\\n"),
    );
    let p = std::sync::Arc::new(detc_content::load(dir.path()));
    let errs = detc_build::generate(&p, &options(None)).unwrap_err();
    let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:#?}");
    assert!(text[0].starts_with("detection `AWS IAM User Created With Access Key` (`detections/cloud/aws_iam_user_created_with_access_key.yml`): `rba.message` cannot be written to a .conf file"), "{}", text[0]);
}

fn override_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_template_can_be_overridden() {
    let dir = override_dir(&[(
        "macros.conf.j2",
        "{% for m in macros %}[{{ m.stanza | stanza }}]\ndefinition = {{ m.definition | conf }}\niseval = 0\n\n{% endfor %}",
    )]);
    let p = validated(&pack("build"));
    let app = detc_build::generate(&p, &options(Some(dir.path()))).unwrap();
    let macros = std::str::from_utf8(&app.file("default/macros.conf").unwrap().data).unwrap();
    assert!(
        macros.starts_with("[anomalous_usage_of_7zip_filter]\ndefinition = search *\niseval = 0\n"),
        "{macros}"
    );
    // The others stay built in.
    assert_eq!(
        app.file("default/app.conf"),
        generate(&pack("build")).file("default/app.conf")
    );
}

#[test]
fn template_errors_name_the_template_and_line() {
    let p = validated(&pack("build"));
    let cases: &[(&str, &str, &str)] = &[
        (
            "app.conf.j2",
            "[id]\nname = {{ app.appid }\n",
            "app.conf.j2` failed to render at line 2: ",
        ),
        (
            "app.conf.j2",
            "[id]\nname = {{ app.app_id }}\n",
            "app.conf.j2` failed to render at line 2: ",
        ),
        (
            "app.conf.j2",
            "[id]\nname = a\nname = b\n",
            "wrote an invalid `default/app.conf`: line 3: the key `name` is set twice in [id]",
        ),
        (
            "app.conf.j2",
            "[id]\nname = {{ \"a\\nb\\\\\" | conf }}\n",
            "ends with a backslash",
        ),
        (
            "savedsearch.conf.j2",
            "",
            "replaces no template; the templates are: app.conf.j2",
        ),
    ];
    for (name, text, want) in cases {
        let dir = override_dir(&[(name, text)]);
        let errs = detc_build::generate(&p, &options(Some(dir.path()))).unwrap_err();
        assert_eq!(errs.len(), 1, "{name}: {errs:#?}");
        assert!(errs[0].message.contains(want), "{name}: {}", errs[0]);
        if !want.starts_with("replaces") && !want.starts_with("wrote") {
            assert!(
                errs[0]
                    .message
                    .contains(&dir.path().join(name).display().to_string()),
                "{}",
                errs[0]
            );
        }
    }
}

#[test]
fn the_firstseen_binary_is_checked_before_it_is_packaged() {
    // The shipped content calls firstseen, so its app defines the command.
    let mut app = generate(&repo());
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("firstseen");
    let e = app.add_firstseen(&missing).unwrap_err();
    assert!(e.message.contains("cannot be read"), "{e}");
    assert!(e.message.contains("scripts/build-firstseen.sh"), "{e}");
    std::fs::write(&missing, "#!/bin/sh\necho hi\n").unwrap();
    let e = app.add_firstseen(&missing).unwrap_err();
    assert!(e.message.contains("is not a 64-bit ELF executable"), "{e}");
    // This test binary is linked on this machine against a glibc newer than 2.28.
    let me = std::env::current_exe().unwrap();
    let newest = detc_build::elf::newest_glibc(&std::fs::read(&me).unwrap()).unwrap();
    if newest > Some(detc_build::elf::MAX_GLIBC) {
        let e = app.add_firstseen(&me).unwrap_err();
        assert!(e.message.contains("needs glibc 2."), "{e}");
        assert!(e.message.contains("newer than 2.28"), "{e}");
    }
    assert!(app.file(FIRSTSEEN_PATH).is_none());
    let Some(bin) = firstseen() else { return };
    let newest = detc_build::elf::newest_glibc(&std::fs::read(&bin).unwrap()).unwrap();
    assert!(newest <= Some((2, 28)), "{newest:?}");
    app.add_firstseen(&bin).unwrap();
    let f = app.file(FIRSTSEEN_PATH).unwrap();
    assert!(f.executable);
    let entries = tarball_entries(&app.tarball(0).unwrap());
    let packed = entries
        .iter()
        .find(|e| e.0 == "DetcCloudFirstSeen/linux_x86_64/bin/firstseen")
        .unwrap();
    assert_eq!(packed.1, 0o755);
    assert_eq!(packed.5, std::fs::read(&bin).unwrap());
    let commands = std::str::from_utf8(&app.file("default/commands.conf").unwrap().data).unwrap();
    assert!(commands.contains("[firstseen]\nfilename = firstseen\nchunked = true\n"));
    let _ = Path::new("");
}

/// Every field that `Detections::field` computes alone equals the same
/// field of the whole view, for every detection of `root`, and the
/// `savedsearch://` stanza computed alone equals the one of the whole
/// view's fields; returns how many detections were compared.
fn cheap_fields_equal_the_view(p: &std::sync::Arc<detc_content::Project>) -> usize {
    const CHEAP: &[&str] = &[
        "name",
        "stanza",
        "description",
        "how_to_implement",
        "known_false_positives",
        "asset_type",
        "security_domain",
        "data_source",
        "mappings",
    ];
    let cx =
        detc_plan::context(p, detc_attack::Attack::embedded()).unwrap_or_else(|e| panic!("{e:#?}"));
    let dets = &cx.detections;
    for i in 0..dets.len() {
        let whole = serde_json::to_value(dets.get(i).unwrap()).unwrap();
        let keys = whole.as_object().unwrap().keys();
        for key in keys {
            if let Some(alone) = dets.field(i, key) {
                let alone = serde_json::to_value(alone).unwrap();
                assert_eq!(alone, whole[key], "detection {i} `{key}`");
            }
        }
        for key in CHEAP {
            assert!(dets.field(i, key).is_some(), "`{key}` is computed alone");
        }
        let v = dets.get(i).unwrap();
        let whole = detc_plan::conf::detection_use_case(&detc_plan::conf::UseCase {
            stanza: &v.stanza,
            asset_type: &v.asset_type,
            description: &v.description,
            how_to_implement: &v.how_to_implement,
            mappings: &v.mappings,
            known_false_positives: &v.known_false_positives,
            data_source: &v.data_source,
        });
        assert_eq!(dets.use_case(i).unwrap(), whole, "detection {i}");
        assert!(dets.field(i, "drilldowns").is_none());
    }
    assert!(dets.field(dets.len(), "name").is_none());
    dets.len()
}

#[test]
fn a_detection_field_computed_alone_equals_the_whole_views() {
    for pack in ["build", "legacy4", "seed"] {
        let p = std::sync::Arc::new(detc_content::load(&common::pack(pack)));
        assert!(cheap_fields_equal_the_view(&p) > 0, "{pack}");
    }
    // And on the full security_content (1,711 detections), when it is
    // beside the clone, as in CI.
    let Some(root) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    // The views need no rule to pass: the project's own errors do not matter here.
    let p = std::sync::Arc::new(detc_content::load(&root));
    assert_eq!(cheap_fields_equal_the_view(&p), 1711);
}

/// Stanzas as `(name, [(key, value)])`.
type Plain = Vec<(String, Vec<(String, String)>)>;

/// The stanzas of the built `file` of `app`, read back with detc-conf's
/// parser, and the plan's stanzas for it, each as `(name, [(key, value)])`.
fn built_and_planned(
    app: &detc_build::App,
    file: &str,
    planned: Vec<detc_plan::Stanza>,
) -> (Plain, Plain) {
    let text = std::str::from_utf8(&app.file(file).unwrap().data).unwrap();
    let built = detc_conf::parse(text)
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.entries))
        .collect();
    let planned = planned
        .into_iter()
        .map(|s| {
            let entries = s
                .entries
                .into_iter()
                .map(|e| {
                    // The value as the app's writer encodes it, read back
                    // by the same parser as the built file.
                    let one = format!("[x]\nk = {}\n", detc_conf::value_text(&e.value).unwrap());
                    let read = detc_conf::parse(&one)
                        .unwrap()
                        .remove(0)
                        .entries
                        .remove(0)
                        .1;
                    (e.key.to_string(), read)
                })
                .collect();
            (s.name, entries)
        })
        .collect();
    (built, planned)
}

/// The built savedsearches.conf and analyticstories.conf hold exactly the
/// plan's stanzas, in its order, key for key (the built-in templates lay
/// the plan out and decide nothing); returns how many stanzas were
/// compared.
fn the_app_holds_the_plans_stanzas(p: &std::sync::Arc<detc_content::Project>) -> usize {
    use detc_plan::conf;
    let app = detc_build::generate(p, &common::options(None)).unwrap_or_else(|e| panic!("{e:#?}"));
    let cx = detc_plan::context(p, detc_attack::Attack::embedded()).unwrap();
    let d = &cx.detections;
    let saved: Vec<_> = (0..d.len())
        .filter_map(|i| d.stanza(i))
        .chain(cx.baselines.iter().map(conf::baseline))
        .chain(cx.investigations.iter().map(conf::investigation))
        .collect();
    let stories: Vec<_> = (0..d.len())
        .filter_map(|i| d.use_case(i))
        .chain(cx.baselines.iter().map(conf::baseline_use_case))
        .chain(cx.investigations.iter().map(conf::investigation_use_case))
        .chain(cx.stories.iter().map(conf::story))
        .collect();
    let n = saved.len() + stories.len();
    for (file, stanzas) in [
        ("default/savedsearches.conf", saved),
        ("default/analyticstories.conf", stories),
    ] {
        let (built, planned) = built_and_planned(&app, file, stanzas);
        assert_eq!(built.len(), planned.len(), "{file}");
        for (b, p) in built.iter().zip(&planned) {
            assert_eq!(b.0, p.0, "{file}");
            assert_eq!(b.1.len(), p.1.len(), "{file} [{}]", b.0);
            for (x, y) in b.1.iter().zip(&p.1) {
                assert_eq!(x, y, "{file} [{}]", b.0);
            }
        }
    }
    n
}

#[test]
fn the_built_conf_files_hold_exactly_the_plans_stanzas() {
    for pack in ["build", "legacy4", "seed"] {
        let p = std::sync::Arc::new(detc_content::load(&common::pack(pack)));
        assert!(the_app_holds_the_plans_stanzas(&p) > 0, "{pack}");
    }
    // And on the full security_content of two eras, when it is beside the
    // clone, as in CI: 1,824 saved searches and 2,119 stories' stanzas of
    // v4.42.0.
    for version in ["v4.33.0", "v4.42.0"] {
        let Some(root) = detc_testkit::corpus(version) else {
            return;
        };
        let p = std::sync::Arc::new(detc_content::load(&root));
        assert!(the_app_holds_the_plans_stanzas(&p) > 1000, "{version}");
    }
}
