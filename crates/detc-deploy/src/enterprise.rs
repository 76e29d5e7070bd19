//! Splunk Enterprise: splunkd's `apps/local` (REST API Reference,
//! "Application endpoint descriptions").

use crate::{Error, Package};
use detc_splunkd::{Client, ErrorKind, segment};
use serde_json::Value;

/// The version of `appid` installed on the search head (`GET
/// /services/apps/local/<appid>`, its `version`), `None` when it is not
/// installed (HTTP 404).
///
/// # Errors
/// Any other failure of the request.
pub fn installed(client: &Client, appid: &str) -> Result<Option<String>, Error> {
    match client.get(&format!("/services/apps/local/{}", segment(appid)), &[]) {
        Ok(v) => Ok(Some(
            first_content(&v)
                .and_then(|c| detc_splunkd::text(c, "version"))
                .unwrap_or_default(),
        )),
        Err(e) if e.kind() == ErrorKind::Answer && e.message().contains("HTTP 404") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn first_content(v: &Value) -> Option<&serde_json::Map<String, Value>> {
    v.get("entry")?.get(0)?.get("content")?.as_object()
}

/// Whether the search head is a member of a search head cluster
/// (`GET /services/server/info`, `server_roles` holding `shc_member` or
/// `shc_captain`): apps reach a cluster's members through its deployer
/// (`splunk apply shcluster-bundle`), and an app installed on one member
/// alone is not replicated. `false` when the roles cannot be read.
///
/// # Errors
/// The request fails for the credentials or the network.
pub fn cluster_member(client: &Client) -> Result<bool, Error> {
    let v = client.get("/services/server/info", &[])?;
    let roles = first_content(&v)
        .and_then(|c| c.get("server_roles"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(roles
        .iter()
        .filter_map(Value::as_str)
        .any(|r| r == "shc_member" || r == "shc_captain"))
}

/// What splunkd said of an install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The version Splunk has after the install (read back).
    pub version: String,
    /// Whether splunkd asks for a restart for the app to take effect.
    pub restart_required: bool,
}

/// Installs `pkg` from `location` (its path on the search head, or an
/// `http(s)://` URL splunkd can download it from): `POST
/// /services/apps/local` with `name=<location>`, `filename=true`,
/// `update=true`; then reads the installed version back.
///
/// # Errors
/// The request fails ([`Error::after_sending`] set when it was sent: the
/// message then says what Splunk has now), or Splunk's version afterwards
/// is not the package's.
pub fn install(client: &Client, pkg: &Package, location: &str) -> Result<Installed, Error> {
    let sent = client.post(
        "/services/apps/local",
        &[
            ("name", location),
            ("filename", "true"),
            ("update", "true"),
            ("explicit_appname", &pkg.appid),
        ],
    );
    let now = || match installed(client, &pkg.appid) {
        Ok(Some(v)) => format!("the search head now has {} {v}", pkg.appid),
        Ok(None) => format!("the search head has no {} now", pkg.appid),
        Err(e) => format!("what the search head has now could not be read: {e}"),
    };
    let answer = match sent {
        Ok(v) => v,
        Err(e) => {
            return Err(Error {
                message: format!(
                    "the install of {} {} failed: {e}; {}",
                    pkg.appid,
                    pkg.version,
                    now()
                ),
                after_sending: true,
            });
        }
    };
    let restart_required = answer
        .get("messages")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter().any(|x| {
                x.get("text")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.to_ascii_lowercase().contains("restart"))
            })
        })
        || first_content(&answer)
            .and_then(|c| detc_splunkd::text(c, "restart_required"))
            .is_some_and(|v| matches!(v.as_str(), "1" | "true"));
    match installed(client, &pkg.appid) {
        Ok(Some(v)) if v == pkg.version => Ok(Installed {
            version: v,
            restart_required,
        }),
        Ok(other) => Err(Error {
            message: format!(
                "splunkd accepted the install of {} {}, but has {} after it: the install did not take\nhelp: check splunkd.log on the search head (is `{location}` the package, readable by splunkd?)",
                pkg.appid,
                pkg.version,
                other.map_or("no such app".to_string(), |v| format!("version {v}"))
            ),
            after_sending: true,
        }),
        Err(e) => Err(Error {
            message: format!(
                "the install of {} {} was sent, but the installed version could not be read back: {e}",
                pkg.appid, pkg.version
            ),
            after_sending: true,
        }),
    }
}
