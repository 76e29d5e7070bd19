//! A small client of splunkd's management REST API (port 8089): the calls
//! firstseen makes with the `splunkd_uri` and `session_key` that splunkd
//! passes in getinfo (`searchinfo`), with bounded retries.
//!
//! **TLS.** splunkd serves its management port with a certificate signed by
//! Splunk's own CA (`$SPLUNK_HOME/etc/auth/cacert.pem`), not a public one.
//! Splunk's SDKs (splunk-sdk-python's `binding.py`, used by every Python
//! custom search command) connect to the `splunkd_uri` of getinfo without
//! verifying the certificate, and firstseen does the same: it only ever
//! talks to the URI splunkd itself hands it, normally `https://127.0.0.1:8089`.
//!
//! **Retries.** A request is retried when splunkd answers 503 (the KV store
//! is starting: "KV Store is initializing. Please try again later."), 502 or
//! 504, when the connection drops or times out; at most [`ATTEMPTS`] times
//! with a doubling pause from [`FIRST_PAUSE`]. Every request firstseen sends
//! is safe to repeat (reads, `batch_save` by `_key`, deletes by query).

use std::time::Duration;

/// Tries per request, the first included.
pub const ATTEMPTS: u32 = 5;
/// Pause before the second try; doubled before each later one (0.5 + 1 +
/// 2 + 4 = 7.5 s of pauses at most).
pub const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// Longest wait for one answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest answer body read, bytes.
pub const MAX_ANSWER_BYTES: u64 = 512 << 20;

/// The answer to a request: HTTP status and body text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body (JSON for `storage/collections/data`, JSON with `output_mode=json` elsewhere).
    pub body: String,
}

impl Answer {
    /// The first message of a splunkd error body
    /// (`{"messages":[{"type":"ERROR","text":"…"}]}` or
    /// `<msg type="ERROR">…</msg>`), else the body itself, shortened.
    pub fn message(&self) -> String {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&self.body)
            && let Some(t) = v
                .get("messages")
                .and_then(|m| m.get(0))
                .and_then(|m| m.get("text"))
                .and_then(|t| t.as_str())
        {
            return t.to_string();
        }
        if let Some(start) = self.body.find("<msg")
            && let Some(gt) = self.body[start..].find('>')
        {
            let rest = &self.body[start + gt + 1..];
            if let Some(end) = rest.find("</msg>") {
                return rest[..end].to_string();
            }
        }
        let t = self.body.trim();
        match t.char_indices().nth(300) {
            Some((i, _)) => format!("{}…", &t[..i]),
            None => t.to_string(),
        }
    }
}

/// One splunkd, reached with one session key.
pub struct Splunkd {
    agent: ureq::Agent,
    uri: String,
    auth: String,
    /// Requests sent, retries included (for messages and benchmarks).
    pub requests: std::cell::Cell<u64>,
    /// Request and answer body bytes, retries included.
    pub bytes: std::cell::Cell<u64>,
}

/// What splunkd says of the user running the search
/// (`authentication/current-context`).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The user name.
    pub username: String,
    /// The user's own roles.
    pub roles: Vec<String>,
    /// Capabilities, imported roles' included.
    pub capabilities: Vec<String>,
}

impl Splunkd {
    /// A client of splunkd at `uri` (`https://127.0.0.1:8089`, no trailing
    /// `/`) that authenticates with `session_key` (`Authorization: Splunk <key>`).
    ///
    /// # Errors
    /// An empty URI or session key: splunkd passes both in getinfo.
    pub fn new(uri: &str, session_key: &str) -> Result<Splunkd, String> {
        let uri = uri.trim_end_matches('/');
        if uri.is_empty() || session_key.is_empty() {
            return Err(
                "splunkd did not pass its URI and a session key in getinfo; firstseen needs them to reach the KV store \
                 and to check permissions"
                    .to_string(),
            );
        }
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .tls_config(tls)
            .user_agent("firstseen")
            .build()
            .into();
        Ok(Splunkd {
            agent,
            uri: uri.to_string(),
            auth: format!("Splunk {session_key}"),
            requests: std::cell::Cell::new(0),
            bytes: std::cell::Cell::new(0),
        })
    }

    /// The URI, for messages.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Sends `method` (GET, POST or DELETE) to `path` (from `/services…` or
    /// `/servicesNS…`, already percent-encoded) with `query` parameters and,
    /// for POST, a JSON `body`; retried as the module says.
    ///
    /// # Errors
    /// The last transport error after [`ATTEMPTS`] tries, or an unreadable
    /// answer. An HTTP error status is an [`Answer`], not an error.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&str>,
    ) -> Result<Answer, String> {
        let url = format!("{}{}", self.uri, path);
        let mut pause = FIRST_PAUSE;
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                std::thread::sleep(pause);
                pause *= 2;
            }
            self.requests.set(self.requests.get() + 1);
            self.bytes
                .set(self.bytes.get() + body.map_or(0, |b| b.len() as u64));
            let result = match (method, body) {
                ("POST", Some(b)) => {
                    let mut r = self
                        .agent
                        .post(&url)
                        .header("Authorization", &self.auth)
                        .content_type("application/json");
                    for (k, v) in query {
                        r = r.query(*k, *v);
                    }
                    r.send(b)
                }
                ("DELETE", _) => {
                    let mut r = self.agent.delete(&url).header("Authorization", &self.auth);
                    for (k, v) in query {
                        r = r.query(*k, *v);
                    }
                    r.call()
                }
                _ => {
                    let mut r = self.agent.get(&url).header("Authorization", &self.auth);
                    for (k, v) in query {
                        r = r.query(*k, *v);
                    }
                    r.call()
                }
            };
            match result {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let text = resp
                        .body_mut()
                        .with_config()
                        .limit(MAX_ANSWER_BYTES)
                        .read_to_string();
                    match text {
                        Ok(body) => {
                            self.bytes.set(self.bytes.get() + body.len() as u64);
                            let answer = Answer { status, body };
                            if matches!(status, 502..=504) && attempt < ATTEMPTS {
                                last = format!("HTTP {status}: {}", answer.message());
                                continue;
                            }
                            return Ok(answer);
                        }
                        Err(e) => last = format!("the answer could not be read: {e}"),
                    }
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(format!(
            "splunkd at {} did not answer {method} {path} after {ATTEMPTS} tries: {last}",
            self.uri
        ))
    }

    /// Who runs the search: `GET /services/authentication/current-context`.
    ///
    /// # Errors
    /// splunkd unreachable, or an answer that is not the documented JSON.
    pub fn current_context(&self) -> Result<Context, String> {
        let a = self.send(
            "GET",
            "/services/authentication/current-context",
            &[("output_mode", "json")],
            None,
        )?;
        if a.status != 200 {
            return Err(format!(
                "splunkd refused authentication/current-context (HTTP {}): {}",
                a.status,
                a.message()
            ));
        }
        let v: serde_json::Value = serde_json::from_str(&a.body)
            .map_err(|e| format!("authentication/current-context answered bad JSON: {e}"))?;
        let content = v
            .get("entry")
            .and_then(|e| e.get(0))
            .and_then(|e| e.get("content"))
            .ok_or("authentication/current-context answered without entry[0].content")?;
        let strings = |name: &str| -> Vec<String> {
            match content.get(name) {
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        Ok(Context {
            username: content
                .get("username")
                .and_then(|u| u.as_str())
                .unwrap_or_default()
                .to_string(),
            roles: strings("roles"),
            capabilities: strings("capabilities"),
        })
    }
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters kept).
pub fn path_segment(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_either_body_format() {
        let json = Answer {
            status: 403,
            body: r#"{"messages":[{"type":"ERROR","text":"User 'bob' cannot write"}]}"#.into(),
        };
        assert_eq!(json.message(), "User 'bob' cannot write");
        let xml = Answer {
            status: 503,
            body: r#"<response><messages><msg type="ERROR">KV Store is initializing. Please try again later.</msg></messages></response>"#.into(),
        };
        assert_eq!(
            xml.message(),
            "KV Store is initializing. Please try again later."
        );
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(path_segment("detc_app"), "detc_app");
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn a_missing_uri_or_key_is_an_error() {
        assert!(Splunkd::new("", "k").is_err());
        assert!(Splunkd::new("https://127.0.0.1:8089", "").is_err());
    }
}
