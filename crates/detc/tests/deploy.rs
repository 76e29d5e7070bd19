//! `detc deploy` then `detc drift` on the full security_content v4.42.0,
//! against the emulated splunkd (apps/local) and the emulated Admin Config
//! Service and AppInspect (crates/detc-drift/tests/sim/splunkd_apps_sim.py):
//! an install, a reinstall that keeps local/, a refused downgrade, a dry
//! run that sends nothing, a search head cluster member refused, wrong
//! credentials and a hanging server, each a clear error with no secret.

use common::{Splunkd, copy_dir};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

mod common;

const APP: &str = "DA-ESS-ContentUpdate";
const ACS_JWT: &str = "jwt-of-the-stack-not-to-be-shown";
const COM_PASSWORD: &str = "splunk-com-password-not-to-be-shown";

/// `detc` with `args`, as admin (see `common::detc_env`) and with the
/// emulated splunk.com user in the environment, then `env`.
fn detc(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut all = vec![
        ("SPLUNK_COM_USERNAME", "someone@example.com"),
        ("SPLUNK_COM_PASSWORD", COM_PASSWORD),
    ];
    all.extend_from_slice(env);
    common::detc_env(args, &all)
}

/// The emulator playing splunkd, ACS (taking [`ACS_JWT`]) and AppInspect
/// (taking the splunk.com user), installing into `apps`, with `extra`
/// options.
fn cloud_emulator(apps: &Path, extra: &[&str]) -> Option<Splunkd> {
    let user = format!("someone@example.com:{COM_PASSWORD}");
    let mut args: Vec<&OsStr> = vec![
        OsStr::new("--apps-dir"),
        apps.as_os_str(),
        OsStr::new("--acs-token"),
        OsStr::new(ACS_JWT),
        OsStr::new("--appinspect-user"),
        OsStr::new(&user),
    ];
    args.extend(extra.iter().map(OsStr::new));
    Splunkd::start(&args)
}

/// `detc deploy pkg --cloud mystack` with every cloud service at `url`,
/// the stack's JWT [`ACS_JWT`] unless `env` gives another, and `more`.
fn cloud_deploy(
    pkg: &Path,
    url: &str,
    more: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut args = vec![
        "deploy",
        pkg.to_str().unwrap(),
        "--cloud",
        "mystack",
        "--acs-url",
        url,
        "--appinspect-url",
        url,
        "--login-url",
        url,
        "--poll",
        "0.05",
    ];
    args.extend_from_slice(more);
    let mut all = vec![("SPLUNK_TOKEN", ACS_JWT)];
    all.extend_from_slice(env);
    detc(&args, &all)
}

/// v4.42.0 built into `dir/content/dist`, once per test; its tarball.
fn built(dir: &Path, release: &Path, version: Option<&str>) -> PathBuf {
    let root = dir.join("content");
    copy_dir(release, &root);
    if let Some(v) = version {
        let conf = root.join("contentctl.yml");
        let text = std::fs::read_to_string(&conf).unwrap();
        let mut perm = std::fs::metadata(&conf).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&conf, perm).unwrap();
        assert!(
            text.contains("version: 4.42.0"),
            "contentctl.yml's app version"
        );
        std::fs::write(
            &conf,
            text.replacen("version: 4.42.0", &format!("version: {v}"), 1),
        )
        .unwrap();
    }
    let out = dir.join("dist");
    common::build_into(&root, &out);
    let v = version.unwrap_or("4.42.0");
    out.join(format!("{APP}-{v}.tar.gz"))
}

fn installed_version(apps: &Path) -> Option<String> {
    let text = std::fs::read_to_string(apps.join(APP).join("default/app.conf")).ok()?;
    let launcher = text.split("[launcher]").nth(1)?;
    launcher
        .lines()
        .find_map(|l| l.strip_prefix("version = ").map(str::to_string))
}

#[test]
fn deploy_then_drift_on_splunk_enterprise() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let pkg = built(t.path(), &release, None);
    let apps = t.path().join("apps");
    let Some(sd) = Splunkd::start(&[OsStr::new("--apps-dir"), apps.as_os_str()]) else {
        return;
    };
    let pkg_s = pkg.to_str().unwrap();
    let url = sd.uri.as_str();

    // A dry run sends nothing.
    let (code, out, err) = detc(&["deploy", pkg_s, "--url", url, "--dry-run"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("would install {APP} 4.42.0 (not installed yet)")),
        "{out}"
    );
    assert!(
        installed_version(&apps).is_none(),
        "a dry run installed the app"
    );

    // The install, read back.
    let (code, out, err) = detc(&["deploy", pkg_s, "--url", url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("installed {APP} 4.42.0 on {url}")),
        "{out}"
    );
    assert_eq!(installed_version(&apps).as_deref(), Some("4.42.0"));

    // What was deployed is what the repository builds.
    let root = t.path().join("content");
    let (code, out, err) = common::drift(&root, url, &[]);
    assert_eq!(code, 0, "{out}\n{}", &err[err.len().saturating_sub(2000)..]);
    assert!(out.contains("no drift"), "{out}");

    // An admin's tuning survives a reinstall of the same version (local/
    // is the admin's), and drift still shows it.
    sd.post(
        "saved/searches/ESCU%20-%207zip%20CommandLine%20To%20SMB%20Share%20Path%20-%20Rule",
        &[("cron_schedule", "*/15 * * * *")],
    );
    let (code, out, err) = detc(&["deploy", pkg_s, "--url", url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("will reinstall"), "{out}");
    let (code, out, _) = common::drift(&root, url, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("1 difference(s)") && out.contains("`cron_schedule` differs"),
        "{out}"
    );

    // An older package is refused, unless asked for.
    let older = built(&t.path().join("older"), &release, Some("4.41.0"));
    let older_s = older.to_str().unwrap();
    let (code, out, err) = detc(&["deploy", older_s, "--url", url], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("newer than the package's 4.41.0: not downgrading"),
        "{err}"
    );
    assert_eq!(installed_version(&apps).as_deref(), Some("4.42.0"));
    let (code, out, err) = detc(&["deploy", older_s, "--url", url, "--allow-downgrade"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(installed_version(&apps).as_deref(), Some("4.41.0"));

    // A wrong password: refused, said so, never shown.
    let (code, out, err) = detc(
        &["deploy", pkg_s, "--url", url],
        &[("SPLUNK_PASSWORD", "hunter2-wrong")],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("refused the credentials") && err.contains("HTTP 401"),
        "{err}"
    );
    assert!(!format!("{out}{err}").contains("hunter2"), "{out}{err}");

    // A drift of an app the search head does not have.
    let (code, _, err) = common::drift(&root, url, &["--app", "Some_Other_App"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("has no saved search or macro of the app `Some_Other_App`"),
        "{err}"
    );
}

#[test]
fn a_cluster_member_a_failed_install_and_a_hanging_server_are_said() {
    let t = tempfile::tempdir().unwrap();
    // A small app: only its app.conf matters here.
    let pkg = t.path().join("my_app-1.0.0.tar.gz");
    {
        let f = std::fs::File::create(&pkg).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        let conf = "[package]\nid = my_app\n\n[launcher]\nversion = 1.0.0\n";
        let mut h = tar::Header::new_gnu();
        h.set_size(conf.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "my_app/default/app.conf", conf.as_bytes())
            .unwrap();
        b.into_inner().unwrap().finish().unwrap();
    }
    let apps = t.path().join("apps");
    let Some(sd) = Splunkd::start(&[
        OsStr::new("--apps-dir"),
        apps.as_os_str(),
        OsStr::new("--server-roles"),
        OsStr::new("search_head,shc_member"),
    ]) else {
        return;
    };
    let (code, out, err) = detc(&["deploy", pkg.to_str().unwrap(), "--url", &sd.uri], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("member of a search head cluster") && err.contains("apply shcluster-bundle"),
        "{err}"
    );
    assert!(!apps.join("my_app").exists());

    // splunkd answers 503: nothing installed, and said so.
    let Some(busy) = Splunkd::start(&[
        OsStr::new("--apps-dir"),
        apps.as_os_str(),
        OsStr::new("--install-fault"),
        OsStr::new("503"),
    ]) else {
        return;
    };
    let (code, out, err) = detc(&["deploy", pkg.to_str().unwrap(), "--url", &busy.uri], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("HTTP 503") && err.contains("the search head has no my_app now"),
        "{err}"
    );
    assert!(err.contains("help: the install was sent"), "{err}");
    drop(busy);

    // The connection drops after splunkd installed: detc cannot know,
    // reads what Splunk has, and says so.
    let Some(dropped) = Splunkd::start(&[
        OsStr::new("--apps-dir"),
        apps.as_os_str(),
        OsStr::new("--install-fault"),
        OsStr::new("drop"),
    ]) else {
        return;
    };
    let (code, out, err) = detc(
        &["deploy", pkg.to_str().unwrap(), "--url", &dropped.uri],
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("did not answer") && err.contains("the search head now has my_app 1.0.0"),
        "{err}"
    );
    drop(dropped);
    std::fs::remove_dir_all(apps.join("my_app")).unwrap();

    let Some(slow) = Splunkd::start(&[
        OsStr::new("--apps-dir"),
        apps.as_os_str(),
        OsStr::new("--latency-ms"),
        OsStr::new("3000"),
    ]) else {
        return;
    };
    let started = std::time::Instant::now();
    let (code, _, err) = detc(
        &[
            "deploy",
            pkg.to_str().unwrap(),
            "--url",
            &slow.uri,
            "--timeout",
            "1",
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did not answer"), "{err}");
    assert!(
        started.elapsed().as_secs() < 3,
        "waited {:?}",
        started.elapsed()
    );
}

#[test]
fn deploy_then_drift_on_splunk_cloud() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let pkg = built(t.path(), &release, None);
    let apps = t.path().join("apps");
    let Some(sd) = cloud_emulator(&apps, &[]) else {
        return;
    };
    let url = sd.uri.as_str();
    let cloud = |more: &[&str], env: &[(&str, &str)]| cloud_deploy(&pkg, url, more, env);

    let (code, out, err) = cloud(&["--dry-run"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("would install") && !out.contains("AppInspect"),
        "{out}"
    );
    assert!(installed_version(&apps).is_none());

    let (code, out, err) = cloud(&[], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("AppInspect: 0 failure(s), 0 error(s)"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "installed {APP} 4.42.0 on the Splunk Cloud stack mystack"
        )),
        "{out}"
    );
    assert_eq!(installed_version(&apps).as_deref(), Some("4.42.0"));
    assert!(
        !format!("{out}{err}").contains(ACS_JWT) && !format!("{out}{err}").contains(COM_PASSWORD)
    );

    // The search head's splunkd has what ACS installed, as the repository builds it.
    let root = t.path().join("content");
    let (code, out, err) = common::drift(&root, url, &[]);
    assert_eq!(code, 0, "{out}\n{}", &err[err.len().saturating_sub(2000)..]);
    assert!(out.contains("no drift"), "{out}");

    // A wrong splunk.com password: AppInspect's login refuses, nothing
    // is installed, the password is not shown.
    let (code, out, err) = cloud(&[], &[("SPLUNK_COM_PASSWORD", "hunter2-wrong")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("splunk.com's login refused the credentials")
            && err.contains("SPLUNK_COM_PASSWORD"),
        "{err}"
    );
    assert!(!format!("{out}{err}").contains("hunter2"), "{out}{err}");

    // An expired stack JWT.
    let (code, out, err) = cloud(&[], &[("SPLUNK_TOKEN", "expired-jwt")]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("ACS refused the credentials") && err.contains("expired"),
        "{err}"
    );
    assert!(!format!("{out}{err}").contains("expired-jwt"), "{out}{err}");
}

#[test]
fn appinspect_failures_install_nothing() {
    let Some(release) = detc_testkit::corpus("v4.42.0") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let pkg = built(t.path(), &release, None);
    let apps = t.path().join("apps");
    let Some(sd) = cloud_emulator(&apps, &["--appinspect-fail", "2"]) else {
        return;
    };
    let url = sd.uri.as_str();
    let (code, out, err) = cloud_deploy(&pkg, url, &[], &[]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "AppInspect refuses DA-ESS-ContentUpdate 4.42.0 for Splunk Cloud (2 failure(s)"
        ),
        "{err}"
    );
    assert!(
        err.contains("check_sim_0 (failure): emulated failure"),
        "{err}"
    );
    assert!(!err.contains("the install was sent"), "{err}");
    assert!(installed_version(&apps).is_none());
}
