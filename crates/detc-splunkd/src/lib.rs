//! A client of splunkd's management REST API (port 8089), for `detc
//! drift` and `detc deploy`.
//!
//! - Credentials ([`Credentials`]) come from the environment or from a
//!   file, never from the command line; they are never printed (their
//!   `Debug` hides them, and no error message holds them).
//! - TLS is verified by default, against Mozilla's root certificates or the
//!   CA file given ([`Tls`]); turning verification off is an explicit
//!   choice.
//! - A listing ([`Client::list`]) is read page by page (`count`, `offset`,
//!   as splunkd pages its feeds), one request a page, never one a stanza.
//!
//! The endpoints and their parameters follow Splunk's REST API Reference
//! (the "Access endpoint descriptions", "Knowledge endpoints: saved/searches"
//! and "Configuration endpoints: configs/conf-{file}" pages) and the REST
//! API User Manual's "Authentication and authorization" page (HTTP Basic
//! with a user's password, `Authorization: Bearer` with an authentication
//! token).

use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The environment variable naming splunkd's URL.
pub const ENV_URL: &str = "SPLUNK_URL";
/// The environment variable holding an authentication token.
pub const ENV_TOKEN: &str = "SPLUNK_TOKEN";
/// The environment variable holding a user name (with [`ENV_PASSWORD`]).
pub const ENV_USERNAME: &str = "SPLUNK_USERNAME";
/// The environment variable holding that user's password.
pub const ENV_PASSWORD: &str = "SPLUNK_PASSWORD";

/// Entries asked for in one page of a listing.
pub const PAGE: usize = 1000;

/// How to authenticate to splunkd.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An authentication token (Settings > Tokens), sent as
    /// `Authorization: Bearer <token>`.
    Token(String),
    /// A user and password, sent as HTTP Basic authentication.
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(<hidden>)"),
            Credentials::Password { username, .. } => {
                write!(
                    f,
                    "Password {{ username: {username:?}, password: <hidden> }}"
                )
            }
        }
    }
}

impl Credentials {
    /// The credentials of the environment: [`ENV_TOKEN`], else
    /// [`ENV_USERNAME`] and [`ENV_PASSWORD`]; `None` when neither is set.
    pub fn from_env() -> Option<Credentials> {
        Credentials::from_lookup(|k| std::env::var(k).ok())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<Credentials> {
        let get = |k: &str| get(k).filter(|v| !v.is_empty());
        if let Some(t) = get(ENV_TOKEN) {
            return Some(Credentials::Token(t));
        }
        Some(Credentials::Password {
            username: get(ENV_USERNAME)?,
            password: get(ENV_PASSWORD)?,
        })
    }

    /// The credentials in `path`: lines `token = ...`, or `username = ...`
    /// and `password = ...` (`#` starts a comment line). The file should be
    /// readable by its owner only.
    ///
    /// # Errors
    /// The file cannot be read, or holds neither a token nor a user and
    /// password (the message names the file, never a value).
    pub fn from_file(path: &Path) -> Result<Credentials, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Usage,
                format!("cannot read the credentials file {}: {e}", path.display()),
            )
        })?;
        let mut token = None;
        let mut username = None;
        let mut password = None;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.trim().to_string();
            match k.trim() {
                "token" => token = Some(v),
                "username" => username = Some(v),
                "password" => password = Some(v),
                _ => {}
            }
        }
        match (token, username, password) {
            (Some(t), _, _) if !t.is_empty() => Ok(Credentials::Token(t)),
            (_, Some(username), Some(password)) if !username.is_empty() => {
                Ok(Credentials::Password { username, password })
            }
            _ => Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "the credentials file {} holds neither `token = ...` nor `username = ...` and `password = ...`",
                    path.display()
                ),
            )),
        }
    }

    fn header(&self) -> String {
        match self {
            Credentials::Token(t) => format!("Bearer {t}"),
            Credentials::Password { username, password } => {
                use base64::Engine as _;
                let pair = format!("{username}:{password}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
        }
    }
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// Against Mozilla's root certificates (the default).
    Verify,
    /// Against the certificates of this PEM file (splunkd's own CA, or a
    /// self-signed certificate).
    CaFile(PathBuf),
    /// Not at all (`--insecure`): anyone on the path can read the
    /// credentials.
    Insecure,
}

/// The kinds of [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// What the user gave is unusable: the URL, the credentials file, the
    /// CA file.
    Usage,
    /// splunkd refused the credentials (HTTP 401) or the user's roles
    /// (HTTP 403).
    Auth,
    /// splunkd could not be reached or did not answer in time, or TLS
    /// failed.
    Unreachable,
    /// splunkd answered with another error status, or with what is not its
    /// JSON.
    Answer,
}

/// A failed request: its kind and a message naming splunkd's URL and the
/// endpoint, never a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    fn new(kind: ErrorKind, message: String) -> Error {
        Error { kind, message }
    }

    /// Its kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Its message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// One entry of a feed: a saved search, a conf stanza, an app.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its name (a stanza's name).
    pub name: String,
    /// The app that holds it (`acl.app`).
    pub app: String,
    /// Its sharing (`acl.sharing`: `app`, `global`, `user`, `system`).
    pub sharing: String,
    /// Its `content`: every setting, as splunkd's JSON gives it (a string,
    /// a boolean or a number).
    pub content: Map<String, Value>,
}

/// A client of one splunkd.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
    /// The service's name in messages (`splunkd`, `ACS`, ...).
    service: String,
    /// What to check when the credentials are refused.
    auth_hint: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Client({})", self.base)
    }
}

/// Whether `url` is `http(s)://host[:port]` with no path or query: the
/// shape of splunkd's management URL (and of ACS's and AppInspect's base
/// URLs), to which endpoint paths are appended.
pub fn is_management_url(url: &str) -> bool {
    let parsed: Option<ureq::http::Uri> = url.trim_end_matches('/').parse().ok();
    parsed.as_ref().is_some_and(|u| {
        matches!(u.scheme_str(), Some("http" | "https"))
            && u.host().is_some_and(|h| !h.is_empty())
            && u.path().trim_matches('/').is_empty()
            && u.query().is_none()
    })
}

/// The HTTP agent every client of a Splunk service uses (detc's and the
/// firstseen search command's): HTTP error statuses returned as answers,
/// not errors; `connect` to connect and `total` for a whole request; the
/// certificate checked as `tls` says.
///
/// # Errors
/// A CA file that cannot be read or holds no PEM certificate.
pub fn agent(
    tls: &Tls,
    connect: Duration,
    total: Duration,
    user_agent: &str,
) -> Result<ureq::Agent, Error> {
    let config = match tls {
        Tls::Verify => ureq::tls::TlsConfig::builder().build(),
        Tls::Insecure => ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build(),
        Tls::CaFile(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Usage,
                    format!("cannot read the CA file {}: {e}", path.display()),
                )
            })?;
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Usage,
                    format!("the CA file {} holds no PEM certificate", path.display()),
                ));
            }
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                .build()
        }
    };
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(connect))
        .timeout_global(Some(total))
        .tls_config(config)
        .user_agent(user_agent)
        .build()
        .into())
}

/// Percent-encodes one path segment (a stanza, app or collection name):
/// RFC 3986's unreserved characters are kept, every other byte encoded.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// A client of splunkd at `url` (`https://host:8089`), authenticating
    /// with `credentials`, checking its certificate as `tls` says. Each
    /// request gets 10 s to connect and `timeout` in all.
    ///
    /// # Errors
    /// A URL that is not `http(s)://host[:port]`, or a CA file that cannot
    /// be read or holds no certificate.
    pub fn new(
        url: &str,
        credentials: &Credentials,
        tls: &Tls,
        timeout: Duration,
    ) -> Result<Client, Error> {
        let base = url.trim_end_matches('/').to_string();
        if !is_management_url(&base) {
            return Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "{url:?} is not a splunkd URL: give https://<host>:8089 (the management port), with no path"
                ),
            ));
        }
        let agent = agent(
            tls,
            Duration::from_secs(10),
            timeout,
            concat!("detc/", env!("CARGO_PKG_VERSION")),
        )?;
        Ok(Client {
            agent,
            base,
            auth: credentials.header(),
            service: "splunkd".to_string(),
            auth_hint: format!(
                "check {ENV_TOKEN}, or {ENV_USERNAME} and {ENV_PASSWORD}, or the credentials file, and whether the token has expired"
            ),
        })
    }

    /// The client, its messages naming `service` (another service than
    /// splunkd: `ACS`, `AppInspect`) and saying `auth_hint` (what to check)
    /// when the credentials are refused.
    pub fn for_service(mut self, service: &str, auth_hint: &str) -> Client {
        self.service = service.to_string();
        self.auth_hint = auth_hint.to_string();
        self
    }

    /// splunkd's URL, for messages.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// `GET path` (`/servicesNS/...`, segments encoded with [`segment`])
    /// with `query` and `output_mode=json`; the answer's JSON.
    ///
    /// # Errors
    /// See [`ErrorKind`]; a 404 is [`ErrorKind::Answer`].
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let mut r = self
            .agent
            .get(&url)
            .header("Authorization", &self.auth)
            .query("output_mode", "json");
        for (k, v) in query {
            r = r.query(*k, *v);
        }
        self.answer("GET", path, r.call())
    }

    /// `POST path` with the form `fields` and `output_mode=json`; the
    /// answer's JSON.
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let r = self
            .agent
            .post(&url)
            .header("Authorization", &self.auth)
            .query("output_mode", "json");
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if form.is_empty() {
            form.push(("output_mode", "json"));
        }
        self.answer("POST", path, r.send_form(form))
    }

    /// `POST path` with `body` (of type `content_type`) and the extra
    /// `headers`, without splunkd's `output_mode`: for the Admin Config
    /// Service and AppInspect, which answer JSON of their own. The answer's
    /// JSON (`null` for an empty body).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn post_body(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let mut r = self
            .agent
            .post(&url)
            .header("Authorization", &self.auth)
            .header("Content-Type", content_type);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.answer("POST", path, r.send(body))
    }

    /// `GET path` with the extra `headers`, without splunkd's
    /// `output_mode` (see [`Client::post_body`]).
    ///
    /// # Errors
    /// As [`Client::get`].
    pub fn get_plain(&self, path: &str, headers: &[(&str, &str)]) -> Result<Value, Error> {
        let url = format!("{}{path}", self.base);
        let mut r = self.agent.get(&url).header("Authorization", &self.auth);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        self.answer("GET", path, r.call())
    }

    fn answer(
        &self,
        method: &str,
        path: &str,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Value, Error> {
        let at = format!("{method} {}{path}", self.base);
        let mut resp = result.map_err(|e| {
            Error::new(
                ErrorKind::Unreachable,
                format!("{} did not answer {at}: {e}", self.service),
            )
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(512 << 20)
            .read_to_string()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unreachable,
                    format!("the answer to {at} could not be read: {e}"),
                )
            })?;
        let json: Option<Value> = if body.trim().is_empty() {
            Some(Value::Null)
        } else {
            serde_json::from_str(&body).ok()
        };
        // splunkd says why in `messages[0].text`; ACS and AppInspect in
        // `message`.
        let said = json
            .as_ref()
            .and_then(|v| {
                v.get("messages")
                    .and_then(|m| m.get(0)?.get("text")?.as_str())
                    .or_else(|| v.get("message")?.as_str())
            })
            .map(str::to_string)
            .unwrap_or_else(|| body.chars().take(200).collect());
        match status {
            200..=299 => json.ok_or_else(|| {
                Error::new(
                    ErrorKind::Answer,
                    format!("{at} answered what is not JSON: {said:?}"),
                )
            }),
            401 => Err(Error::new(
                ErrorKind::Auth,
                format!(
                    "{} refused the credentials for {at} (HTTP 401: {said}); {}",
                    self.service, self.auth_hint
                ),
            )),
            403 => Err(Error::new(
                ErrorKind::Auth,
                format!("the user's roles may not {at} (HTTP 403: {said})"),
            )),
            s => Err(Error::new(
                ErrorKind::Answer,
                format!("{} answered HTTP {s} to {at}: {said}", self.service),
            )),
        }
    }

    /// Every entry of the feed at `path`, read [`PAGE`] entries a request
    /// (`count`, `offset`) until the feed's `paging.total` is reached.
    ///
    /// # Errors
    /// As [`Client::get`], or a page that is not a feed.
    pub fn list(&self, path: &str, query: &[(&str, &str)]) -> Result<Vec<Entry>, Error> {
        let mut out = Vec::new();
        let count = PAGE.to_string();
        loop {
            let offset = out.len().to_string();
            let mut q: Vec<(&str, &str)> = query.to_vec();
            q.push(("count", &count));
            q.push(("offset", &offset));
            let v = self.get(path, &q)?;
            let Some(entries) = v.get("entry").and_then(Value::as_array) else {
                return Err(Error::new(
                    ErrorKind::Answer,
                    format!("GET {}{path} answered without an entry list", self.base),
                ));
            };
            let got = entries.len();
            out.extend(entries.iter().map(entry));
            let total = v
                .get("paging")
                .and_then(|p| p.get("total"))
                .and_then(Value::as_u64)
                .map_or(out.len(), |t| t as usize);
            if got == 0 || out.len() >= total {
                return Ok(out);
            }
        }
    }
}

fn entry(v: &Value) -> Entry {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    Entry {
        name: s(v.get("name")),
        app: s(v.get("acl").and_then(|a| a.get("app"))),
        sharing: s(v.get("acl").and_then(|a| a.get("sharing"))),
        content: v
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    }
}

/// One part of a `multipart/form-data` body (RFC 7578).
pub struct Part<'a> {
    /// The form field's name.
    pub name: &'a str,
    /// The file name, for a file part.
    pub filename: Option<&'a str>,
    /// The part's bytes.
    pub data: &'a [u8],
}

/// A `multipart/form-data` body of `parts` and its `Content-Type` (with
/// the boundary), as `(content type, body)`. The boundary is chosen so
/// that no part holds it.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let mut n: u64 = 0x6465_7463;
    let boundary = loop {
        let b = format!("detc-boundary-{n:016x}");
        if !parts
            .iter()
            .any(|p| p.data.windows(b.len()).any(|w| w == b.as_bytes()))
        {
            break b;
        }
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    };
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut head = format!("Content-Disposition: form-data; name=\"{}\"", quote(p.name));
        if let Some(f) = p.filename {
            head.push_str(&format!(
                "; filename=\"{}\"\r\nContent-Type: application/octet-stream",
                quote(f)
            ));
        }
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A setting of `content` as the text a `.conf` file would hold: strings
/// as they are, booleans as `1`/`0`, numbers in their shortest form;
/// `None` when absent or null.
pub fn text(content: &Map<String, Value>, key: &str) -> Option<String> {
    match content.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("detc_app"), "detc_app");
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn a_multipart_body_holds_each_part_once_between_boundaries() {
        let (ctype, body) = multipart(&[
            Part {
                name: "app_package",
                filename: Some("app.tar.gz"),
                data: b"\x1f\x8b bytes",
            },
            Part {
                name: "included_tags",
                filename: None,
                data: b"cloud",
            },
        ]);
        let boundary = ctype
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert_eq!(text.matches(&format!("--{boundary}\r\n")).count(), 2);
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(text.contains("name=\"app_package\"; filename=\"app.tar.gz\""));
        assert!(text.contains("name=\"included_tags\"\r\n\r\ncloud\r\n"));
    }

    #[test]
    fn a_password_is_http_basic() {
        let p = Credentials::Password {
            username: "admin".into(),
            password: "changeme".into(),
        };
        assert_eq!(p.header(), "Basic YWRtaW46Y2hhbmdlbWU=");
        assert_eq!(Credentials::Token("t".into()).header(), "Bearer t");
    }

    #[test]
    fn credentials_never_show_their_secret() {
        let t = Credentials::Token("s3cret-token".into());
        let p = Credentials::Password {
            username: "admin".into(),
            password: "hunter2".into(),
        };
        let shown = format!("{t:?} {p:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(shown.contains("admin"));
    }

    #[test]
    fn credentials_come_from_the_token_first() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Credentials::from_lookup(env(&[
                (ENV_TOKEN, "t"),
                (ENV_USERNAME, "u"),
                (ENV_PASSWORD, "p")
            ])),
            Some(Credentials::Token("t".into()))
        );
        assert_eq!(
            Credentials::from_lookup(env(&[(ENV_USERNAME, "u"), (ENV_PASSWORD, "p")])),
            Some(Credentials::Password {
                username: "u".into(),
                password: "p".into()
            })
        );
        assert_eq!(Credentials::from_lookup(env(&[(ENV_USERNAME, "u")])), None);
    }

    #[test]
    fn a_credentials_file_names_what_is_missing_without_values() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("creds");
        std::fs::write(
            &f,
            "# splunk\nusername = admin\npassword = pw = with equals\n",
        )
        .unwrap();
        assert_eq!(
            Credentials::from_file(&f).unwrap(),
            Credentials::Password {
                username: "admin".into(),
                password: "pw = with equals".into()
            }
        );
        std::fs::write(&f, "password = only\n").unwrap();
        let e = Credentials::from_file(&f).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Usage);
        assert!(!e.message().contains("only"), "{e}");
    }

    #[test]
    fn a_bad_url_or_ca_file_is_a_usage_error() {
        let c = Credentials::Token("t".into());
        for bad in ["", "localhost:8089", "https://h:8089/services", "ftp://h"] {
            let e = Client::new(bad, &c, &Tls::Verify, Duration::from_secs(1)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Usage, "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        let e = Client::new(
            "https://h:8089",
            &c,
            &Tls::CaFile(ca),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(e.message().contains("holds no PEM certificate"), "{e}");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(
            segment("ESCU - A b/c - Rule"),
            "ESCU%20-%20A%20b%2Fc%20-%20Rule"
        );
    }

    #[test]
    fn settings_read_as_conf_text() {
        let m: Map<String, Value> =
            serde_json::from_str(r#"{"a":"x","b":true,"c":false,"d":3,"e":null}"#).unwrap();
        assert_eq!(text(&m, "a").as_deref(), Some("x"));
        assert_eq!(text(&m, "b").as_deref(), Some("1"));
        assert_eq!(text(&m, "c").as_deref(), Some("0"));
        assert_eq!(text(&m, "d").as_deref(), Some("3"));
        assert_eq!(text(&m, "e"), None);
        assert_eq!(text(&m, "f"), None);
    }
}
