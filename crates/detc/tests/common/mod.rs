//! Helpers shared by the `detc` end-to-end tests.

// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `tests/fixtures/` of the repository.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Copies the tree `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    detc_testkit::copy_dir(from, to);
}

/// A temporary copy of `tests/fixtures/packs/<name>`.
pub fn pack(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("packs").join(name), t.path());
    t
}

/// Runs the `detc` binary with `args` and then `dir`: exit code (-1 when
/// killed by a signal), stdout, stderr.
pub fn detc(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_detc"))
        .args(args)
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs the `detc` binary with `args`, as the emulated splunkd's admin
/// (SPLUNK_USERNAME admin, SPLUNK_PASSWORD changeme, no SPLUNK_TOKEN) with
/// `env` set after (a later pair wins): exit code, stdout, stderr.
pub fn detc_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_detc"));
    cmd.args(args)
        .env("SPLUNK_USERNAME", "admin")
        .env("SPLUNK_PASSWORD", "changeme")
        .env_remove("SPLUNK_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `detc build --no-docs --cap-lints warn --out out root`, which must
/// succeed (a corpus with known defects builds as its contentctl built it).
pub fn build_into(root: &Path, out: &Path) {
    let (code, _, err) = detc_env(
        &[
            "build",
            "--no-docs",
            "--cap-lints",
            "warn",
            "--out",
            out.to_str().unwrap(),
            root.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{}", &err[err.len().saturating_sub(2000)..]);
}

/// `detc drift --cap-lints warn --url url [more] root` as admin: exit
/// code, stdout, stderr.
pub fn drift(root: &Path, url: &str, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["drift", "--cap-lints", "warn", "--url", url];
    args.extend_from_slice(more);
    args.push(root.to_str().unwrap());
    detc_env(&args, &[])
}

/// The glibc-2.28 firstseen that `scripts/build-firstseen.sh` builds, or
/// `None` (the caller skips) outside CI when it has not been built; in CI
/// its absence fails the test.
pub fn firstseen() -> Option<PathBuf> {
    detc_testkit::firstseen_glibc228()
}

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of the test tools (`scripts/setup-py-tools.sh`: target/pyvenv,
/// or `$DETC_PYTHON`), or `None` (the caller skips, saying so) outside CI;
/// in CI its absence fails the test.
pub fn python() -> Option<PathBuf> {
    detc_testkit::python()
}

/// Runs an external tool (a checker from target/pyvenv): its exit code (-1
/// when killed by a signal) and its standard output then error, for
/// assertion messages.
pub fn run_tool(cmd: &mut std::process::Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The emulator of splunkd (and of ACS and AppInspect), killed when
/// dropped.
pub struct Splunkd {
    child: std::process::Child,
    _stdout: std::io::BufReader<std::process::ChildStdout>,
    /// Its URL.
    pub uri: String,
}

impl Drop for Splunkd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Splunkd {
    /// Starts crates/detc-drift/tests/sim/splunkd_apps_sim.py with `args`
    /// (`--app DIR`, `--apps-dir DIR`, ...; user admin, password changeme,
    /// the emulator's default); `None` (skipped, saying why) outside CI
    /// when the emulator or python3 is missing.
    pub fn start(args: &[&std::ffi::OsStr]) -> Option<Splunkd> {
        let sim = detc_testkit::shared("splunkd/splunkd_sim.py")?;
        detc_testkit::python3()?;
        let ours = repo().join("crates/detc-drift/tests/sim/splunkd_apps_sim.py");
        let mut child = std::process::Command::new("python3")
            .arg(&ours)
            .arg("--sim")
            .arg(&sim)
            .args(args)
            .args(["--port", "0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs the emulator");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        let uri = line
            .trim()
            .strip_prefix("LISTENING ")
            .unwrap_or_else(|| panic!("the emulator said {line:?}"))
            .to_string();
        Some(Splunkd {
            child,
            _stdout: stdout,
            uri,
        })
    }

    /// POSTs `fields` to `/servicesNS/nobody/DA-ESS-ContentUpdate/<path>` as admin, as
    /// Splunk Web does when an admin saves a search's settings.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) {
        self.post_to("DA-ESS-ContentUpdate", path, fields);
    }

    /// [`Splunkd::post`] into the namespace of the app `app`.
    pub fn post_to(&self, app: &str, path: &str, fields: &[(&str, &str)]) {
        let admin = detc_splunkd::Credentials::Password {
            username: "admin".into(),
            password: "changeme".into(),
        };
        let client = detc_splunkd::Client::new(
            &self.uri,
            &admin,
            &detc_splunkd::Tls::Verify,
            std::time::Duration::from_secs(30),
        )
        .unwrap();
        let path = format!("/servicesNS/nobody/{app}/{path}");
        client
            .post(&path, fields)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    }
}
