//! Splunk Cloud Platform: AppInspect's API vets the package, then the
//! Admin Config Service (ACS) installs it, as the ACS manual's "Manage
//! private apps in Splunk Cloud Platform" describes and contentctl 4.4.7's
//! `inspect` and `deploy_acs` actions do:
//!
//! 1. `GET https://api.splunk.com/2.0/rest/login/splunk` with the
//!    splunk.com user's password (HTTP Basic) gives a token
//!    (`data.token`).
//! 2. `POST https://appinspect.splunk.com/v1/app/validate` (a form:
//!    `app_package`, `included_tags=cloud`) gives a `request_id`;
//!    `GET .../v1/app/validate/status/<id>?included_tags=private_<experience>`
//!    until `status` is `SUCCESS`; `GET .../v1/app/report/<id>` (same tags)
//!    gives the report, whose `summary` counts failures and errors.
//! 3. ACS, with the stack's JWT (`Authorization: Bearer`) and `ACS-Legal-Ack:
//!    Y`: on Victoria Experience `POST /<stack>/adminconfig/v2/apps/victoria`
//!    with `X-Splunk-Authorization: <AppInspect token>` and the package as
//!    the body; on Classic Experience `POST /<stack>/adminconfig/v2/apps`
//!    with a form of `token` and `package`.

use crate::{Error, Package};
use detc_splunkd::{Client, Credentials, ErrorKind, Part, Tls, segment};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The default ACS URL.
pub const ACS_URL: &str = "https://admin.splunk.com";
/// The default URL of splunk.com's login, which gives AppInspect's token.
pub const LOGIN_URL: &str = "https://api.splunk.com";
/// The default AppInspect URL.
pub const APPINSPECT_URL: &str = "https://appinspect.splunk.com";

/// The stack's Splunk Cloud Platform Experience (Support & Services >
/// About in Splunk Web says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Experience {
    /// Victoria Experience: `apps/victoria`.
    Victoria,
    /// Classic Experience: `apps`.
    Classic,
}

impl Experience {
    fn tag(self) -> &'static str {
        match self {
            Experience::Victoria => "private_victoria",
            Experience::Classic => "private_classic",
        }
    }

    fn apps(self, stack: &str) -> String {
        match self {
            Experience::Victoria => format!("/{}/adminconfig/v2/apps/victoria", segment(stack)),
            Experience::Classic => format!("/{}/adminconfig/v2/apps", segment(stack)),
        }
    }
}

/// How long to wait for AppInspect and for ACS's install.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// Between two status requests.
    pub every: Duration,
    /// In all, before giving up.
    pub deadline: Duration,
}

impl Default for Polling {
    /// Every 5 s, for 15 minutes (AppInspect takes about a minute on
    /// ESCU's app).
    fn default() -> Polling {
        Polling {
            every: Duration::from_secs(5),
            deadline: Duration::from_secs(15 * 60),
        }
    }
}

/// Where AppInspect is, and how to reach it.
#[derive(Debug, Clone)]
pub struct AppInspect {
    /// splunk.com's login ([`LOGIN_URL`]).
    pub login_url: String,
    /// AppInspect's API ([`APPINSPECT_URL`]).
    pub url: String,
    /// The splunk.com user and password.
    pub credentials: Credentials,
    /// Where they come from, for a refusal's message (`check ...`).
    pub credentials_hint: String,
    /// How certificates are checked.
    pub tls: Tls,
    /// Each request's time limit.
    pub timeout: Duration,
}

/// Vets `pkg` with AppInspect for `experience`; the AppInspect token that
/// ACS takes with the package. `progress` hears each status.
///
/// # Errors
/// The login or a request fails, AppInspect does not finish before the
/// deadline, or its report counts failures or errors (the message lists
/// the first checks that failed).
pub fn inspect(
    ai: &AppInspect,
    pkg: &Package,
    experience: Experience,
    polling: Polling,
    progress: &mut dyn FnMut(&str),
) -> Result<String, Error> {
    let login = Client::new(&ai.login_url, &ai.credentials, &ai.tls, ai.timeout)?
        .for_service("splunk.com's login", &ai.credentials_hint);
    let answer = login.get_plain("/2.0/rest/login/splunk", &[])?;
    let token = answer
        .get("data")
        .and_then(|d| d.get("token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::before("splunk.com's login answered without a token"))?
        .to_string();
    let api = Client::new(
        &ai.url,
        &Credentials::Token(token.clone()),
        &ai.tls,
        ai.timeout,
    )?
    .for_service(
        "AppInspect",
        "the token splunk.com's login gave was refused: try again",
    );
    let filename = pkg.path.file_name().map_or("app.tar.gz".to_string(), |f| {
        f.to_string_lossy().into_owned()
    });
    let (ctype, body) = detc_splunkd::multipart(&[
        Part {
            name: "app_package",
            filename: Some(&filename),
            data: &pkg.bytes,
        },
        Part {
            name: "included_tags",
            filename: None,
            data: b"cloud",
        },
    ]);
    progress(&format!(
        "AppInspect: sending {} ({} bytes)",
        filename,
        pkg.bytes.len()
    ));
    let v = api.post_body(
        "/v1/app/validate",
        &[("Cache-Control", "no-cache")],
        &ctype,
        &body,
    )?;
    let id = v
        .get("request_id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::before("AppInspect answered the upload without a request_id"))?
        .to_string();
    let tags = format!("included_tags={}", experience.tag());
    let started = Instant::now();
    loop {
        let v = api.get_plain(
            &format!("/v1/app/validate/status/{}?{tags}", segment(&id)),
            &[],
        )?;
        let status = v.get("status").and_then(Value::as_str).unwrap_or("");
        match status {
            "SUCCESS" => break,
            "PROCESSING" | "PREPARING" => {
                progress(&format!(
                    "AppInspect: {status} ({:.0} s)",
                    started.elapsed().as_secs_f64()
                ));
                if started.elapsed() > polling.deadline {
                    return Err(Error::before(format!(
                        "AppInspect had not finished request {id} after {} s: nothing was installed; try again later",
                        polling.deadline.as_secs()
                    )));
                }
                std::thread::sleep(polling.every);
            }
            other => {
                return Err(Error::before(format!(
                    "AppInspect's request {id} ended with status `{other}`: nothing was installed"
                )));
            }
        }
    }
    let report = api.get_plain(
        &format!("/v1/app/report/{}?{tags}", segment(&id)),
        &[("Content-Type", "application/json")],
    )?;
    let count = |k: &str| {
        report
            .get("summary")
            .and_then(|s| s.get(k))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    let (failures, errors) = (count("failure"), count("error"));
    progress(&format!(
        "AppInspect: {failures} failure(s), {errors} error(s), {} warning(s), {} manual check(s)",
        count("warning"),
        count("manual_check")
    ));
    if failures + errors > 0 {
        return Err(Error::before(format!(
            "AppInspect refuses {} {} for Splunk Cloud ({failures} failure(s), {errors} error(s)): nothing was installed\n{}",
            pkg.appid,
            pkg.version,
            failed_checks(&report).join("\n")
        )));
    }
    Ok(token)
}

/// `  - <check>: <first message>` for each failed or erroring check of an
/// AppInspect report, the first 20.
fn failed_checks(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let empty = Vec::new();
    for r in report
        .get("reports")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
    {
        for g in r.get("groups").and_then(Value::as_array).unwrap_or(&empty) {
            for c in g.get("checks").and_then(Value::as_array).unwrap_or(&empty) {
                let result = c.get("result").and_then(Value::as_str).unwrap_or("");
                if result != "failure" && result != "error" {
                    continue;
                }
                let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
                let msg = c
                    .get("messages")
                    .and_then(|m| m.get(0))
                    .and_then(|m| m.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push(format!("  - {name} ({result}): {msg}"));
            }
        }
    }
    out.truncate(20);
    out
}

/// Where ACS is and which stack.
pub struct Acs<'a> {
    /// ACS's client ([`ACS_URL`], the stack's JWT).
    pub client: &'a Client,
    /// The stack: the `<stack>` of `<stack>.splunkcloud.com`.
    pub stack: &'a str,
    /// Its Experience.
    pub experience: Experience,
}

/// The version of `appid` installed on the stack (ACS's describe-app,
/// `GET .../apps/victoria/<appid>` or `.../apps/<appid>`, its `version`);
/// `None` when it is not installed (HTTP 404).
///
/// # Errors
/// Any other failure of the request.
pub fn installed(acs: &Acs<'_>, appid: &str) -> Result<Option<String>, Error> {
    let path = format!("{}/{}", acs.experience.apps(acs.stack), segment(appid));
    match acs.client.get_plain(&path, &[]) {
        Ok(v) => Ok(Some(
            v.get("version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        )),
        Err(e) if e.kind() == ErrorKind::Answer && e.message().contains("HTTP 404") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Installs `pkg` on the stack with the AppInspect `token`, then waits
/// until ACS describes the app at the package's version.
///
/// # Errors
/// The request fails ([`Error::after_sending`] set: the message says what
/// the stack has now), or the stack does not show the version before the
/// deadline.
pub fn install(acs: &Acs<'_>, pkg: &Package, token: &str, polling: Polling) -> Result<(), Error> {
    let path = acs.experience.apps(acs.stack);
    let legal = ("ACS-Legal-Ack", "Y");
    let sent = match acs.experience {
        // As the manual's curl example sends it (`--data-binary @app.tgz`).
        Experience::Victoria => acs.client.post_body(
            &path,
            &[legal, ("X-Splunk-Authorization", token)],
            "application/x-www-form-urlencoded",
            &pkg.bytes,
        ),
        Experience::Classic => {
            let (ctype, body) = detc_splunkd::multipart(&[
                Part {
                    name: "token",
                    filename: None,
                    data: token.as_bytes(),
                },
                Part {
                    name: "package",
                    filename: Some("app.tar.gz"),
                    data: &pkg.bytes,
                },
            ]);
            acs.client.post_body(&path, &[legal], &ctype, &body)
        }
    };
    let now = || match installed(acs, &pkg.appid) {
        Ok(Some(v)) => format!("the stack now has {} {v}", pkg.appid),
        Ok(None) => format!("the stack has no {} now", pkg.appid),
        Err(e) => format!("what the stack has now could not be read: {e}"),
    };
    if let Err(e) = sent {
        return Err(Error {
            message: format!(
                "ACS refused the install of {} {}: {e}; {}\nhelp: ACS cannot install a private app whose id or uid is also a Splunkbase app's",
                pkg.appid,
                pkg.version,
                now()
            ),
            after_sending: true,
        });
    }
    let started = Instant::now();
    loop {
        match installed(acs, &pkg.appid) {
            Ok(Some(v)) if v == pkg.version => return Ok(()),
            Ok(_) | Err(_) if started.elapsed() < polling.deadline => {
                std::thread::sleep(polling.every);
            }
            _ => {
                return Err(Error {
                    message: format!(
                        "ACS accepted {} {}, but {} after {} s",
                        pkg.appid,
                        pkg.version,
                        now(),
                        polling.deadline.as_secs()
                    ),
                    after_sending: true,
                });
            }
        }
    }
}
