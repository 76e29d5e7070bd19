//! `detc deploy`: the app tarball `detc build` wrote, installed on a
//! Splunk search head.
//!
//! - Splunk Enterprise ([`enterprise`]): splunkd's `apps/local` endpoint
//!   (REST API Reference, "Application endpoint descriptions": `POST
//!   apps/local` with `name` the package's path or URL as splunkd sees it,
//!   `filename=true`, `update=true`), then `GET apps/local/<appid>` to
//!   check that the version Splunk now has is the package's.
//! - Splunk Cloud Platform ([`cloud`]): the package is vetted by AppInspect
//!   (its API, with the `private_victoria` or `private_classic` tags, as
//!   contentctl 4.4.7's `deploy_acs` does) and then installed by the Admin
//!   Config Service (`apps/victoria` with the package as the body, or
//!   `apps` with a form on Classic Experience), as the ACS manual's
//!   "Manage private apps in Splunk Cloud Platform" says.
//!
//! Before anything is sent, [`plan`] compares the installed version with
//! the package's: a downgrade is refused unless asked for, and a dry run
//! stops there.

pub mod cloud;
pub mod enterprise;

use std::cmp::Ordering;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a deploy failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What failed and what to do, never a credential.
    pub message: String,
    /// Whether the search head's app may have changed before the failure
    /// (the install request was sent): the message then says what Splunk
    /// has now, as far as it could be read.
    pub after_sending: bool,
}

impl Error {
    pub(crate) fn before(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            after_sending: false,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<detc_splunkd::Error> for Error {
    fn from(e: detc_splunkd::Error) -> Error {
        Error::before(e.message().to_string())
    }
}

/// A built app package.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its file.
    pub path: PathBuf,
    /// The app id: the tarball's top folder, which `[package] id` of its
    /// `default/app.conf` names too.
    pub appid: String,
    /// `[launcher] version` of its `default/app.conf` (`[id] version`
    /// when that is missing).
    pub version: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// The largest package read (Splunk Cloud takes private apps up to
/// 128 MiB; ESCU's is about 2.5 MB).
pub const MAX_PACKAGE: u64 = 512 << 20;

impl Package {
    /// Reads the gzip'd tarball at `path`: its top folder and the version
    /// of its `default/app.conf`.
    ///
    /// # Errors
    /// The file cannot be read, is not a gzip'd tar, has no single top
    /// folder, no `default/app.conf`, or an app.conf without a version or
    /// whose `[package] id` is not its folder.
    pub fn read(path: &Path) -> Result<Package, Error> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::before(format!("cannot read the package {shown}: {e}")))?;
        if meta.len() > MAX_PACKAGE {
            return Err(Error::before(format!(
                "the package {shown} has {} bytes: more than any app Splunk installs",
                meta.len()
            )));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::before(format!("cannot read the package {shown}: {e}")))?;
        let not_tar = |e: std::io::Error| {
            Error::before(format!(
                "{shown} is not an app package (a .tar.gz or .spl): {e}\nhelp: give the tarball `detc build` wrote, dist/<appid>-<version>.tar.gz"
            ))
        };
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        let mut top: Option<String> = None;
        let mut app_conf: Option<String> = None;
        for entry in archive.entries().map_err(not_tar)? {
            let mut entry = entry.map_err(not_tar)?;
            let name = entry
                .path()
                .map_err(not_tar)?
                .to_string_lossy()
                .into_owned();
            let name = name.trim_start_matches("./");
            let Some(first) = name.split('/').next().filter(|f| !f.is_empty()) else {
                continue;
            };
            match &top {
                None => top = Some(first.to_string()),
                Some(t) if t != first => {
                    return Err(Error::before(format!(
                        "{shown} holds more than one top folder (`{t}` and `{first}`): an app package holds one, the app's id"
                    )));
                }
                Some(_) => {}
            }
            if name == format!("{first}/default/app.conf") {
                let mut text = String::new();
                entry
                    .by_ref()
                    .take(1 << 20)
                    .read_to_string(&mut text)
                    .map_err(not_tar)?;
                app_conf = Some(text);
            }
        }
        let Some(appid) = top else {
            return Err(Error::before(format!("{shown} is empty")));
        };
        let Some(conf) = app_conf else {
            return Err(Error::before(format!(
                "{shown} has no {appid}/default/app.conf: not a Splunk app"
            )));
        };
        let stanzas = detc_conf::parse(&conf).map_err(|errs| {
            Error::before(format!(
                "{appid}/default/app.conf of {shown} cannot be read: {}",
                errs.first().map(|e| e.to_string()).unwrap_or_default()
            ))
        })?;
        let get = |stanza: &str, key: &str| {
            stanzas
                .iter()
                .filter(|s| s.name == stanza)
                .flat_map(|s| s.entries.iter())
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().to_string())
        };
        if let Some(id) = get("package", "id")
            && id != appid
        {
            return Err(Error::before(format!(
                "{shown}: `[package] id = {id}` of app.conf is not the package's folder `{appid}`: Splunk would install it under another name"
            )));
        }
        let version = get("launcher", "version")
            .or_else(|| get("id", "version"))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::before(format!(
                    "{appid}/default/app.conf of {shown} has no `[launcher] version`"
                ))
            })?;
        Ok(Package {
            path: path.to_path_buf(),
            appid,
            version,
            bytes,
        })
    }
}

/// Orders two app versions (`4.42.0`, `4.9`, `1.0.0b2`) part by part:
/// numbers as numbers, other parts as text, a missing part before any
/// (`4.42` < `4.42.0`). The order Splunkbase and app.conf's `version` use
/// (app.conf.spec: "version = <version string>").
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<String> {
        s.trim()
            .split(['.', '-', '+'])
            .map(str::to_string)
            .collect()
    };
    let (pa, pb) = (parts(a), parts(b));
    for i in 0..pa.len().max(pb.len()) {
        let o = match (pa.get(i), pb.get(i)) {
            (Some(x), Some(y)) => match (x.parse::<u64>(), y.parse::<u64>()) {
                (Ok(m), Ok(n)) => m.cmp(&n),
                _ => x.cmp(y),
            },
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// What a deploy does to the search head's app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The app is not installed: install it.
    Install,
    /// An older version is installed: upgrade it.
    Upgrade {
        /// The installed version.
        from: String,
    },
    /// The same version is installed: install it again (its default/
    /// replaced, local/ kept).
    Reinstall,
    /// A newer version is installed: refused unless asked for.
    Downgrade {
        /// The installed version.
        from: String,
    },
}

/// What [`plan`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The app id.
    pub appid: String,
    /// The package's version.
    pub to: String,
    /// What happens.
    pub change: Change,
}

impl Plan {
    /// One line for a person: `install DA-ESS-ContentUpdate 4.42.0`,
    /// `upgrade ... from 4.40.0 to 4.42.0`, ...
    pub fn describe(&self) -> String {
        match &self.change {
            Change::Install => format!("install {} {} (not installed yet)", self.appid, self.to),
            Change::Upgrade { from } if from.is_empty() => format!(
                "replace {} (installed, its version unknown) with {}",
                self.appid, self.to
            ),
            Change::Upgrade { from } => {
                format!("upgrade {} from {from} to {}", self.appid, self.to)
            }
            Change::Reinstall => format!(
                "reinstall {} {} (that version is installed)",
                self.appid, self.to
            ),
            Change::Downgrade { from } => {
                format!("downgrade {} from {from} to {}", self.appid, self.to)
            }
        }
    }
}

/// The change that installing `pkg` makes where `installed` is the
/// installed version (`None`: not installed).
///
/// # Errors
/// A downgrade, unless `allow_downgrade`.
pub fn plan(pkg: &Package, installed: Option<&str>, allow_downgrade: bool) -> Result<Plan, Error> {
    let change = match installed {
        None => Change::Install,
        Some(v) => match compare_versions(v, &pkg.version) {
            Ordering::Less => Change::Upgrade {
                from: v.to_string(),
            },
            Ordering::Equal => Change::Reinstall,
            Ordering::Greater => Change::Downgrade {
                from: v.to_string(),
            },
        },
    };
    let p = Plan {
        appid: pkg.appid.clone(),
        to: pkg.version.clone(),
        change,
    };
    if let Change::Downgrade { from } = &p.change
        && !allow_downgrade
    {
        return Err(Error::before(format!(
            "the search head has {} {from}, newer than the package's {}: not downgrading\nhelp: build the newer release, or pass --allow-downgrade to install the older one",
            p.appid, p.to
        )));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_part_by_part() {
        assert_eq!(compare_versions("4.9.0", "4.42.0"), Ordering::Less);
        assert_eq!(compare_versions("4.42.0", "4.42.0"), Ordering::Equal);
        assert_eq!(compare_versions("4.42", "4.42.0"), Ordering::Less);
        assert_eq!(compare_versions("5.0.0", "4.42.1"), Ordering::Greater);
    }

    fn pkg(v: &str) -> Package {
        Package {
            path: PathBuf::from("x.tar.gz"),
            appid: "DA-ESS-ContentUpdate".into(),
            version: v.into(),
            bytes: Vec::new(),
        }
    }

    #[test]
    fn a_downgrade_is_refused_unless_asked_for() {
        let e = plan(&pkg("4.40.0"), Some("4.42.0"), false).unwrap_err();
        assert!(e.message.contains("not downgrading"), "{e}");
        assert!(!e.after_sending);
        let p = plan(&pkg("4.40.0"), Some("4.42.0"), true).unwrap();
        assert_eq!(
            p.change,
            Change::Downgrade {
                from: "4.42.0".into()
            }
        );
        assert_eq!(
            plan(&pkg("4.42.0"), None, false).unwrap().change,
            Change::Install
        );
        assert_eq!(
            plan(&pkg("4.42.0"), Some("4.40.0"), false)
                .unwrap()
                .describe(),
            "upgrade DA-ESS-ContentUpdate from 4.40.0 to 4.42.0"
        );
        assert_eq!(
            plan(&pkg("4.42.0"), Some("4.42.0"), false).unwrap().change,
            Change::Reinstall
        );
    }

    fn tarball(files: &[(&str, &str)]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let gz = flate2::write::GzEncoder::new(f.reopen().unwrap(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        for (name, text) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(text.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, text.as_bytes()).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap();
        f
    }

    #[test]
    fn a_package_gives_its_id_and_version() {
        let f = tarball(&[
            (
                "my_app/default/app.conf",
                "[package]\nid = my_app\n\n[launcher]\nversion = 1.2.3\n",
            ),
            ("my_app/default/savedsearches.conf", ""),
        ]);
        let p = Package::read(f.path()).unwrap();
        assert_eq!((p.appid.as_str(), p.version.as_str()), ("my_app", "1.2.3"));
    }

    #[test]
    fn a_package_that_is_not_an_app_is_refused() {
        let f = tarball(&[("a/x.txt", "x"), ("b/y.txt", "y")]);
        assert!(
            Package::read(f.path())
                .unwrap_err()
                .message
                .contains("more than one top folder")
        );
        let f = tarball(&[(
            "a/default/app.conf",
            "[package]\nid = b\n[launcher]\nversion = 1\n",
        )]);
        assert!(
            Package::read(f.path())
                .unwrap_err()
                .message
                .contains("not the package's folder")
        );
        let f = tarball(&[("a/default/app.conf", "[package]\nid = a\n")]);
        assert!(
            Package::read(f.path())
                .unwrap_err()
                .message
                .contains("no `[launcher] version`")
        );
        let t = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(t.path(), b"not gzip").unwrap();
        assert!(
            Package::read(t.path())
                .unwrap_err()
                .message
                .contains("not an app package")
        );
    }
}
